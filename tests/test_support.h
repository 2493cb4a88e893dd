// Helpers shared by the tests: repository paths, scratch folders, running the CLI.
#pragma once

#include <string>
#include <vector>

namespace ebatch::test {

// Root of the source tree (EBATCH_ROOT from CTest, else the configured source dir).
std::string repo_root();
std::string repo_path(const std::string& relative);
// A fresh empty folder under the test temp dir, unique per call.
std::string scratch_dir(const std::string& tag);
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs the built `ebatch` binary with `args` (each passed as one argument), from `cwd`.
CliResult run_cli(const std::vector<std::string>& args, const std::string& cwd = "");

}  // namespace ebatch::test
