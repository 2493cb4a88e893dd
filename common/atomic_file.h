// The one way results reach the disk: written under a unique temporary name in
// the target's folder ("<path>.tmp.<pid>.<n>") and renamed into place by
// commit(), so a reader never sees a half-written file and an interrupted
// writer leaves nothing behind (the destructor removes an uncommitted
// temporary). Every failure (folder missing or not writable, a directory in
// the file's place, a full disk) is an OutputError naming the final path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ebatch {

class AtomicFile {
 public:
  // Creates the temporary file; OutputError if it cannot.
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // A failed write is remembered and reported by commit(): long runs stream
  // through here from inside the simulation, where an exception would be lost.
  void write(const void* data, std::size_t size);
  void write(const std::string& text) { write(text.data(), text.size()); }
  std::uint64_t bytes_written() const { return bytes_; }
  // Flush, sync, close and rename into place; OutputError on any failure.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  std::uint64_t bytes_ = 0;
  int error_ = 0;  // errno of the first failed write
  bool committed_ = false;
};

// `text` to `path` through an AtomicFile.
void write_file_atomically(const std::string& path, const std::string& text);
// Renames a file someone else wrote under a temporary name (e.g. SystemC's VCD)
// into place; OutputError on failure.
void rename_into_place(const std::string& temporary, const std::string& path);

}  // namespace ebatch
