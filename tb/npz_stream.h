// Writes an .npz archive one array at a time, so outputs of long runs never
// sit in memory together. Uncompressed members (as numpy.savez writes them),
// written under a temporary name and renamed into place by close(); an
// archive never closed is removed, so no half-written file looks complete.
// Limit: 4 GiB per archive (no zip64); larger archives throw InputError.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ebatch {

class NpzStreamWriter {
 public:
  explicit NpzStreamWriter(const std::string& path);
  ~NpzStreamWriter();
  NpzStreamWriter(const NpzStreamWriter&) = delete;
  NpzStreamWriter& operator=(const NpzStreamWriter&) = delete;

  // Adds `name`.npy: a float32 array of `rows` x `cols` values in C order.
  void add(const std::string& name, const float* data, std::size_t rows, std::size_t cols);
  void close();
  std::size_t members() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    std::uint32_t crc, size, offset;
  };
  std::string path_, tmp_path_;
  std::FILE* file_ = nullptr;
  std::uint64_t offset_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace ebatch
