// `ebatch run` end to end through the real binary: files written, no temporaries
// left, and a rerun from resolved.yaml reproduces stats.json.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
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
  // What the host measured: wall clock, and the CPU time of the (single-threaded) run, never
  // more than its wall clock but for the clocks' granularity.
  const YAML::Node wall = YAML::LoadFile(dir + "/wallclock.json");
  const double wall_s = wall["wall_clock_s"].as<double>(), cpu_s = wall["cpu_s"].as<double>();
  EXPECT_GT(wall_s, 0.0);
  EXPECT_GT(cpu_s, 0.0);
  EXPECT_LE(cpu_s, wall_s + 0.02);
  EXPECT_NEAR(wall["sequence_layer_steps_per_cpu_s"].as<double>() * cpu_s, wall["sequence_layer_steps"].as<double>(),
              1e-6 * wall["sequence_layer_steps"].as<double>());
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

// --- causal host timing (issue 13, item 5) ---------------------------------------------------

namespace {

struct RunFigures {
  double makespan_s = 0;
  std::uint64_t commands = 0, interrupts = 0, completed = 0;
};

// Runs `experiment` with the host reaction latency `reaction` and the extra overrides.
RunFigures run_with_reaction(const std::string& experiment, const std::string& reaction,
                             const std::vector<std::string>& overrides, const std::string& dir) {
  std::vector<std::string> args = {"run", repo_path(experiment), "--set", "policy.host_reaction_latency=" + reaction};
  for (const auto& o : overrides) args.insert(args.end(), {"--set", o});
  args.insert(args.end(), {"--out", dir});
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const YAML::Node stats = YAML::LoadFile(dir + "/stats.json");
  return {stats[ebatch::stat::kSimulatedTime.name()].as<double>(),
          stats["accelerator"][ebatch::stat::kCommands.name()].as<std::uint64_t>(),
          stats["accelerator"][ebatch::stat::kInterrupts.name()].as<std::uint64_t>(),
          stats[ebatch::stat::kRequestsCompleted.name()].as<std::uint64_t>()};
}

// The same run with reactions of 1 us (first) and 100 us (second), in scratch folders.
std::pair<RunFigures, RunFigures> fast_and_slow(const std::string& experiment,
                                                const std::vector<std::string>& overrides, const std::string& base) {
  return {run_with_reaction(experiment, "1 us", overrides, base + "/fast"),
          run_with_reaction(experiment, "100 us", overrides, base + "/slow")};
}

// Closed form: one request of k = 4 steps through a 1-layer LSTM (1024 x 1024) under cellular
// batching on E-PUR is 4 one-step cells, 4 commands. Each cell takes about 0.9 ms of compute,
// more than either reaction, so nothing hides the host: command i + 1 starts at START's write,
// one reaction after command i's CMD_DONE interrupt, and the result is read back one reaction
// after the last. The host reacts 4 times on the critical path:
//   makespan(100 us) - makespan(1 us) = 4 x 99 us = 396 us, exactly.
// (Before the fix START took effect at the kernel's time, the accelerator ran each next cell
// during the reaction, and only the last reaction counted: 99 us.)
const std::vector<std::string> kFourCells = {
    "policy.kind=cellular",
    "policy.window_steps=~",
    "policy.slots=1",
    "policy.command_mode=mmio",
    "network={name: big, cell: lstm, input_size: 1024, hidden_size: 1024, layers: 1}",
    "workload.lengths={distribution: fixed, value: 4}",
    "workload.requests=1",
    "workload.arrivals={process: all_at_zero}"};

TEST(CliRun, EachCellularCommandWaitsForOneHostReaction) {
  const std::string base = scratch_dir("cli_reaction_closed_form");
  const auto& overrides = kFourCells;
  const auto [fast, slow] = fast_and_slow("configs/experiments/default.yaml", overrides, base);
  ASSERT_EQ(fast.commands, 4u);
  ASSERT_EQ(slow.commands, 4u);
  EXPECT_NEAR(slow.makespan_s - fast.makespan_s, 4 * 99e-6, 1e-12);
  fs::remove_all(base);
}

// The measured defect: NMT encoder on the TPU, cellular, 100 requests, 740 commands. Each
// command is started by the host after the previous one's CMD_DONE interrupt, so raising the
// reaction from 1 us to 100 us must add at least 99 us per command (73.3 ms; it added 9.9 ms
// when START ignored the host's local time).
TEST(CliRun, HostReactionIsOnTheCriticalPathOfEveryCellularCommand) {
  const std::string base = scratch_dir("cli_reaction_nmt");
  const std::vector<std::string> overrides = {"policy.kind=cellular", "policy.window_steps=~",
                                              "policy.command_mode=mmio", "workload.requests=100"};
  const auto [fast, slow] = fast_and_slow("configs/experiments/nmt_encoder_tpu.yaml", overrides, base);
  ASSERT_EQ(fast.commands, 740u);
  ASSERT_EQ(slow.commands, 740u);
  EXPECT_GE(slow.makespan_s - fast.makespan_s, 99e-6 * double(slow.commands));
  fs::remove_all(base);
}

// The same 4 cells with policy.command_mode: queue: the host queues all 4 at once (one 192-byte
// descriptor write, one doorbell); the accelerator runs them back to back and interrupts twice
// (SEQ_DONE and CMD_DONE, together at the end). Only the reaction to that last interrupt is on
// the critical path: makespan(100 us) - makespan(1 us) = 1 x 99 us, exactly.
TEST(CliRun, QueuedCellsWaitForOneHostReactionPerBatch) {
  const std::string base = scratch_dir("cli_reaction_queue");
  std::vector<std::string> overrides = kFourCells;
  overrides.push_back("policy.command_mode=queue");
  const auto [fast, slow] = fast_and_slow("configs/experiments/default.yaml", overrides, base);
  ASSERT_EQ(slow.commands, 4u);
  EXPECT_EQ(slow.interrupts, 2u);
  EXPECT_NEAR(slow.makespan_s - fast.makespan_s, 99e-6, 1e-12);
  fs::remove_all(base);
}

// Cellular batching on the default experiment, mmio against queue: every request completes
// in both; the queue runs as many cells (it ends a batch at a completion while requests wait,
// so a freed slot is refilled as soon as in mmio) with far fewer interrupts and a shorter
// makespan (one reaction per batch instead of per cell).
TEST(CliRun, CellularCommandQueueRunsTheSameCellsWithFewerInterrupts) {
  const std::string base = scratch_dir("cli_queue_vs_mmio");
  const std::vector<std::string> common = {"policy={kind: cellular, slots: 8, command_mode: mmio}",
                                           "workload.requests=100"};
  std::vector<std::string> queued = common;
  queued.push_back("policy.command_mode=queue");
  const RunFigures mmio = run_with_reaction("configs/experiments/default.yaml", "1 us", common, base + "/mmio");
  const RunFigures queue = run_with_reaction("configs/experiments/default.yaml", "1 us", queued, base + "/queue");
  EXPECT_EQ(mmio.completed, 100u);
  EXPECT_EQ(queue.completed, 100u);
  EXPECT_EQ(queue.commands, mmio.commands);
  EXPECT_LT(queue.interrupts * 10, mmio.interrupts);
  EXPECT_LT(queue.makespan_s, mmio.makespan_s);
  fs::remove_all(base);
}

}  // namespace
