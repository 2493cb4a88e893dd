// `ebatch run` end to end through the real binary: files written, no temporaries
// left, and a rerun from resolved.yaml reproduces stats.json.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tb/stats_schema.h"
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

TEST(CliRun, WritesResultsAndRerunFromResolvedConfigIsDeterministic) {
  const std::string base = scratch_dir("cli_run");
  const std::string dir = base + "/first", again = base + "/second";
  const auto r =
      run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", "workload.requests=5", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* file : {"resolved.yaml", "stats.json", "wallclock.json", "requests.csv"})
    EXPECT_TRUE(fs::exists(dir + "/" + file)) << file;
  EXPECT_TRUE(tmp_files(dir).empty()) << tmp_files(dir).front();
  const std::string stats = read_file(dir + "/stats.json");
  EXPECT_NE(stats.find("\"" + ebatch::stat::kRequestsCompleted.name() + "\""), std::string::npos);
  // The host's measurements live apart, so stats.json depends on the experiment alone.
  EXPECT_EQ(stats.find("wall"), std::string::npos);
  EXPECT_NE(read_file(dir + "/wallclock.json").find("\"wall_clock_s\""), std::string::npos);
  const std::string csv = read_file(dir + "/requests.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6) << "header and 5 rows:\n" << csv;

  const auto r2 = run_cli({"run", dir + "/resolved.yaml", "--out", again});
  ASSERT_EQ(r2.exit_code, 0) << r2.out << r2.err;
  EXPECT_TRUE(tmp_files(again).empty());
  const std::string stats2 = read_file(again + "/stats.json");
  EXPECT_EQ(stats2, stats);  // byte for byte
  EXPECT_EQ(read_file(again + "/requests.csv"), csv);
  fs::remove_all(base);
}

}  // namespace

// Ctrl-C (SIGINT) and SIGTERM stop a run between commands; what was measured is written,
// marked incomplete, and nothing is left under a temporary name.
TEST(CliRun, InterruptedRunWritesPartialResultsMarkedIncomplete) {
  for (int sig : {SIGINT, SIGTERM}) {
    const std::string dir = scratch_dir("cli_run_interrupt") + "/" + std::to_string(sig);
    const pid_t pid = fork();
    if (pid == 0) {
      if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
      execl(EBATCH_BIN_PATH, "ebatch", "run", repo_path("configs/experiments/default.yaml").c_str(), "--set",
            "policy={kind: cellular, slots: 8}", "--set", "workload.requests=200000", "--out", dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    ASSERT_GT(pid, 0);
    // Wait until requests complete (requests.csv's temporary, requests.csv.tmp.PID.N, grows), then interrupt.
    auto csv_bytes = [&dir] {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().filename().string().rfind("requests.csv.tmp", 0) == 0) return fs::file_size(entry.path(), ec);
      return std::uintmax_t(0);
    };
    for (int i = 0; i < 600; ++i) {
      if (csv_bytes() > 2000) break;
      usleep(10000);
    }
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
    const std::string stats = read_file(dir + "/stats.json");
    EXPECT_CONTAINS(stats, "\"complete\": false");
    EXPECT_CONTAINS(stats, sig == SIGINT ? "\"interrupted_by\": \"SIGINT\"" : "\"interrupted_by\": \"SIGTERM\"");
    const std::string csv = read_file(dir + "/requests.csv");
    EXPECT_CONTAINS(csv, "# incomplete: interrupted by");
    const auto rows = std::count(csv.begin(), csv.end(), '\n') - 2;  // header and the last comment
    EXPECT_GT(rows, 0);
    EXPECT_LT(rows, 200000);
    EXPECT_TRUE(tmp_files(dir).empty()) << tmp_files(dir).front();
    EXPECT_TRUE(fs::exists(dir + "/resolved.yaml"));
  }
}

// Issue 17: a run whose simulated time passes kMaxSimulatedSeconds (1e6 s) stops with an
// error instead of going on with SystemC's time pinned (here: DRAM at 1 B/s, 20000 requests).
TEST(CliRun, RunBeyondTheSimulatedTimeRangeStopsWithAnError) {
  const std::string dir = scratch_dir("cli_time_range") + "/out";
  const auto r = run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set",
                          "network={name: tiny, cell: lstm, input_size: 2, hidden_size: 2, layers: 1}", "--set",
                          "workload.lengths={distribution: fixed, value: 5}", "--set", "workload.requests=20000",
                          "--set", "hardware.dram.bandwidth=1 B/s", "--set", "policy.window_steps=4", "--out", dir});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("ERROR: simulated time passed 1e+06 s"), std::string::npos) << r.out;
  EXPECT_NE(read_file(dir + "/stats.json").find("\"complete\": false"), std::string::npos);
}
