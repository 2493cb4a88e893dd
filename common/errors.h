// Error types that decide the process exit code.
//
// InputError: the user's input is wrong (config, data file, command line);
// the CLI prints its message alone and exits with code 2, writing nothing.
#pragma once

#include <stdexcept>
#include <string>

namespace ebatch {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ebatch
