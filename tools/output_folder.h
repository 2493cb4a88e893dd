// The output folder of one `ebatch` command, held for the command's lifetime.
//
// OutputFolder creates the folder (OutputError if it cannot: a file in its
// place, no permission) and takes an exclusive flock() on the folder itself,
// so a second command writing into the same folder stops at once with a clear
// InputError instead of sharing temporary files with the first; no lock file
// is left behind, and the lock goes with the process, however it ends.
// discard() removes the named regular files this command writes (a stale
// timeline.json of an earlier run, or what a failed run had written), then the
// folder itself if this command created it and it is empty: never anything
// it does not know it wrote.
#pragma once

#include <string>
#include <vector>

namespace ebatch::cli {

class OutputFolder {
 public:
  // `what`: the command, for the message ("ebatch run").
  OutputFolder(const std::string& dir, const std::string& what);
  ~OutputFolder();
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  const std::string& dir() const { return dir_; }
  bool existed() const { return existed_; }
  // Removes DIR/name for each name that is a regular file or a symlink (names may
  // hold one '/'; a folder left empty by that is removed too).
  void remove_files(const std::vector<std::string>& names) const;
  // remove_files(names), then the folder if this command created it and it is now empty.
  void discard(const std::vector<std::string>& names) const;

 private:
  std::string dir_;
  bool existed_ = false;
  int fd_ = -1;
};

// A name used as a folder name (a network or platform of configs/reproduce.yaml,
// a sweep's name): letters, digits, '_', '.', '-', not starting with '.'.
bool is_folder_name(const std::string& name);

// FNV-1a 64 of `text`, 16 hex digits.
std::string fnv1a64(const std::string& text);

// A folder-name suffix for a list of --set overrides ("key=value" each): "" for none,
// else "-" and the overrides with every character but letters, digits, '.', '=' and '-'
// made '_', joined by '+'; cut to 48 characters and ended by a hash when longer, so that
// runs with different overrides get different folders.
std::string overrides_suffix(const std::vector<std::string>& sets);

}  // namespace ebatch::cli
