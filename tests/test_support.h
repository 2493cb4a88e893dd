// Helpers shared by the tests: repository paths, scratch folders, running the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

// Expects `needle` in `haystack`, printing the haystack when it is not.
#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "text: " << (haystack)

namespace ebatch::test {

// Root of the source tree (EBATCH_ROOT from CTest, else the configured source dir).
std::string repo_root();
std::string repo_path(const std::string& relative);
// A fresh empty folder under the test temp dir, unique per call.
std::string scratch_dir(const std::string& tag);
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// One row of a run's requests.csv.
struct RequestRow {
  std::int64_t id = 0, length = 0;
  double arrival = 0, start = 0, finish = 0, latency = 0;
  int slot = -1;
  std::int64_t steps = 0;  // produced (a decoder's up to its end)
};
// Reads requests.csv, checking its header and the column count of every row.
std::vector<RequestRow> read_requests_csv(const std::string& path);

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};
// The built `ebatch` binary (EBATCH_BIN overrides).
std::string ebatch_binary();
// Runs the built `ebatch` binary with `args` (each passed as one argument), from `cwd`.
CliResult run_cli(const std::vector<std::string>& args, const std::string& cwd = "");

}  // namespace ebatch::test
