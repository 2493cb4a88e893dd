// `ebatch run` end to end through the real binary: files written, no temporaries
// left, and a rerun from resolved.yaml reproduces stats.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace fs = std::filesystem;
using ebatch::test::read_file;
using ebatch::test::repo_path;
using ebatch::test::run_cli;
using ebatch::test::scratch_dir;

namespace {

std::vector<std::string> tmp_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp") != std::string::npos) found.push_back(entry.path().string());
  }
  return found;
}

// stats.json without the lines that measure the host (wall clock).
std::string without_wall_clock(const std::string& json) {
  // Drops every "key": value pair of the two wall-clock keys, whatever the layout.
  std::string out = json;
  for (const char* k : {"\"wall_clock_s\"", "\"sequence_layer_steps_per_wall_s\""}) {
    const std::string key = k;
    std::size_t at;
    while ((at = out.find(key)) != std::string::npos) {
      std::size_t end = out.find_first_of(",}\n", at + key.size());
      if (end == std::string::npos) end = out.size();
      out.erase(at, end - at);
    }
  }
  return out;
}

TEST(CliRun, WritesResultsAndRerunFromResolvedConfigIsDeterministic) {
  const std::string base = scratch_dir("cli_run");
  const std::string dir = base + "/first", again = base + "/second";
  const auto r =
      run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", "workload.requests=5", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* file : {"resolved.yaml", "stats.json", "requests.csv"})
    EXPECT_TRUE(fs::exists(dir + "/" + file)) << file;
  EXPECT_TRUE(tmp_files(dir).empty()) << tmp_files(dir).front();
  const std::string stats = read_file(dir + "/stats.json");
  EXPECT_NE(stats.find("\"requests_completed\""), std::string::npos);
  EXPECT_NE(stats.find("\"wall_clock_s\""), std::string::npos);
  const std::string csv = read_file(dir + "/requests.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6) << "header and 5 rows:\n" << csv;

  const auto r2 = run_cli({"run", dir + "/resolved.yaml", "--out", again});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_TRUE(tmp_files(again).empty());
  const std::string stats2 = read_file(again + "/stats.json");
  EXPECT_EQ(without_wall_clock(stats2), without_wall_clock(stats));
  EXPECT_NE(without_wall_clock(stats), stats) << "the wall-clock keys were found and removed";
  EXPECT_EQ(read_file(again + "/requests.csv"), csv);
  fs::remove_all(base);
}

}  // namespace
