// Error types that decide the process exit code.
//
// InputError: the user's input is wrong (config, data file, command line);
// the CLI prints its message alone and exits with code 2, writing nothing.
// OutputError: a result file cannot be written (unwritable folder, a directory
// in the file's place, full disk); wherever it is thrown the CLI prints
// "error: PATH: cannot be written: REASON" and exits with code 2, and the
// temporary file is removed (common/atomic_file.h), so no half-written file is left.
#pragma once

#include <stdexcept>
#include <string>

namespace ebatch {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputError : public std::runtime_error {
 public:
  OutputError(const std::string& path, const std::string& reason)
      : std::runtime_error(path + ": cannot be written: " + reason), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ebatch
