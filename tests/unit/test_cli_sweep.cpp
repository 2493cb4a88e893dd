// `ebatch sweep` end to end through the real binary, on tiny workloads: the same
// sweep.csv whatever the number of jobs, resuming, Slurm scripts, failed points and
// bad sweep files (exit 2, nothing written).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace fs = std::filesystem;
using ebatch::test::read_file;
using ebatch::test::repo_path;
using ebatch::test::run_cli;
using ebatch::test::scratch_dir;
using ebatch::test::write_file;

namespace {

// A 2 x 2 grid of 8 short requests per point.
std::string tiny_sweep(const std::string& extra_set = "") {
  return "experiment: " + repo_path("configs/experiments/default.yaml") +
         "\n"
         "set: {workload.requests: 8, workload.lengths: \"{distribution: uniform, min: 3, max: 20}\"" +
         extra_set +
         "}\n"
         "grid:\n"
         "  policy.slots: [2, 4]\n"
         "  policy.window_steps: [8, 16]\n";
}

std::size_t lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// Runs a shell command; its exit code.
int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<fs::file_time_type> stats_mtimes(const std::string& out, int points) {
  std::vector<fs::file_time_type> t;
  t.reserve(std::size_t(points));
  for (int i = 0; i < points; ++i)
    t.push_back(fs::last_write_time(out + "/points/000" + std::to_string(i) + "/stats.json"));
  return t;
}

TEST(CliSweep, UsageIsRegistered) {
  auto r = run_cli({"--help"});
  EXPECT_CONTAINS(r.out, "sweep SWEEP.yaml [--jobs J]");
  r = run_cli({"sweep", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.out, "--emit-slurm FILE");
  r = run_cli({"sweep"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "missing SWEEP.yaml");
}

TEST(CliSweep, TwoJobsGiveTheSameCsvAsOneJob) {
  const std::string dir = scratch_dir("sweep_jobs");
  write_file(dir + "/s.yaml", tiny_sweep());
  auto r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "1", "--runner", "fork", "--out", dir + "/one"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "2", "--progress", "--out", dir + "/two"});  // GNU parallel if any
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_CONTAINS(r.err, "4/4 points done");
  r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "2", "--runner", "fork", "--out", dir + "/two_forked"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const std::string csv = read_file(dir + "/one/sweep.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "point,policy.slots,policy.window_steps,throughput_sequences_per_s,latency_s.p50,latency_s.p99,"
            "energy_j.per_sequence,dram.bytes_per_sequence,step_slots.padding_fraction,simulated_time_s");
  EXPECT_EQ(lines(csv), 5u) << csv;
  EXPECT_CONTAINS(csv, "\n0000,2,8,");
  EXPECT_CONTAINS(csv, "\n0003,4,16,");
  EXPECT_EQ(read_file(dir + "/two/sweep.csv"), csv);
  EXPECT_EQ(read_file(dir + "/two_forked/sweep.csv"), csv);
  EXPECT_EQ(lines(read_file(dir + "/two/commands.txt")), 4u);
  for (const char* f : {"point.yaml", "resolved.yaml", "stats.json", "requests.csv"})
    EXPECT_TRUE(fs::exists(dir + "/two/points/0002/" + std::string(f))) << f;
  EXPECT_CONTAINS(read_file(dir + "/two/points/0002/point.yaml"), "policy.slots=4");
  for (const auto& e : fs::recursive_directory_iterator(dir + "/two")) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name.find(".tmp") == std::string::npos && name.front() != '.') << e.path();
  }
}

TEST(CliSweep, RerunSkipsDonePointsAndWritesTheSameCsv) {
  const std::string dir = scratch_dir("sweep_resume"), out = dir + "/out";
  write_file(dir + "/s.yaml", tiny_sweep());
  auto r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "2", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = read_file(out + "/sweep.csv");
  const auto before = stats_mtimes(out, 4);

  r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "2", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.err, "4 skipped");
  EXPECT_EQ(stats_mtimes(out, 4), before);
  EXPECT_EQ(read_file(out + "/sweep.csv"), csv);

  fs::remove(out + "/points/0001/stats.json");  // only that point runs again
  r = run_cli({"sweep", dir + "/s.yaml", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.err, "3 skipped (already done), 1 to run");
  EXPECT_EQ(fs::last_write_time(out + "/points/0000/stats.json"), before[0]);
  EXPECT_EQ(read_file(out + "/sweep.csv"), csv);

  // A point whose run was interrupted (Ctrl-C: stats.json marked) is not done.
  std::string interrupted = read_file(out + "/points/0002/stats.json");
  interrupted.insert(interrupted.find('{') + 1, "\"interrupted_by\": \"SIGINT\", ");
  write_file(out + "/points/0002/stats.json", interrupted);
  r = run_cli({"sweep", dir + "/s.yaml", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.err, "3 skipped (already done), 1 to run");
  EXPECT_EQ(read_file(out + "/sweep.csv"), csv);

  write_file(dir + "/s.yaml", tiny_sweep(", workload.seed: 7"));  // another config: point.yaml differs
  r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "2", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.err, "0 skipped (already done), 4 to run");
  EXPECT_CONTAINS(read_file(out + "/points/0000/point.yaml"), "workload.seed=7");
}

TEST(CliSweep, EmitsASlurmArrayThatNamesEveryPointAndRunsNothing) {
  const std::string dir = scratch_dir("sweep_slurm"), out = dir + "/out", script = dir + "/array.sh";
  write_file(dir + "/s.yaml", tiny_sweep());
  auto r = run_cli({"sweep", dir + "/s.yaml", "--out", out, "--emit-slurm", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string text = read_file(script);
  EXPECT_CONTAINS(text, "#SBATCH --array=0-3\n");
  EXPECT_CONTAINS(text, "# point 0000: policy.slots=2 policy.window_steps=8\n");
  EXPECT_CONTAINS(text, "# point 0001: policy.slots=2 policy.window_steps=16\n");
  EXPECT_CONTAINS(text, "# point 0002: policy.slots=4 policy.window_steps=8\n");
  EXPECT_CONTAINS(text, "# point 0003: policy.slots=4 policy.window_steps=16\n");
  EXPECT_CONTAINS(read_file(script + ".aggregate.sh"), "--aggregate-only");
  EXPECT_EQ(shell("bash -n '" + script + "'"), 0);
  EXPECT_EQ(shell("bash -n '" + script + ".aggregate.sh'"), 0);
  EXPECT_EQ(lines(read_file(out + "/commands.txt")), 4u);
  EXPECT_FALSE(fs::exists(out + "/points/0000/stats.json")) << "nothing runs with --emit-slurm";
  EXPECT_FALSE(fs::exists(out + "/sweep.csv"));

  // Before the array has run, aggregating reports the points without results.
  EXPECT_EQ(shell("bash '" + script + ".aggregate.sh' >/dev/null 2>&1"), 1);
  // The array's tasks, as Slurm would run them, then the aggregation: the local run's CSV.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(shell("SLURM_ARRAY_TASK_ID=" + std::to_string(i) + " bash '" + script + "'"), 0) << i;
  EXPECT_EQ(shell("bash '" + script + ".aggregate.sh' >/dev/null"), 0);
  r = run_cli({"sweep", dir + "/s.yaml", "--out", dir + "/local"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(out + "/sweep.csv"), read_file(dir + "/local/sweep.csv"));
}

TEST(CliSweep, FailedPointsAreReportedAndTheOthersAggregated) {
  const std::string dir = scratch_dir("sweep_fail"), out = dir + "/out";
  // 1 KiB of DRAM passes validation but cannot hold the weights: that run exits 2.
  write_file(dir + "/s.yaml", "experiment: " + repo_path("configs/experiments/default.yaml") +
                                  "\nset: {workload.requests: 8, workload.lengths: "
                                  "\"{distribution: fixed, value: 5}\"}\n"
                                  "grid: {hardware.dram.capacity: [1 KiB, 4 GiB]}\n"
                                  "metrics: [requests_completed, latency_s.p99]\n");
  auto r = run_cli({"sweep", dir + "/s.yaml", "--jobs", "2", "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_CONTAINS(r.err, "point 0000 (hardware.dram.capacity=1 KiB) failed (exit 2)");
  EXPECT_CONTAINS(r.err, out + "/points/0000/run.log");
  EXPECT_CONTAINS(read_file(out + "/points/0000/run.log"), "hardware.dram.capacity");
  const std::string csv = read_file(out + "/sweep.csv");
  EXPECT_CONTAINS(csv, "point,hardware.dram.capacity,requests_completed,latency_s.p99\n0000,1 KiB,,\n0001,4 GiB,8,");
  r = run_cli({"sweep", dir + "/s.yaml", "--out", out, "--aggregate-only"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "point 0000 (hardware.dram.capacity=1 KiB) failed (exit 2)");
  EXPECT_EQ(read_file(out + "/sweep.csv"), csv);
}

TEST(CliSweep, BadSweepFilesExitTwoAndWriteNothing) {
  const std::string dir = scratch_dir("sweep_bad"), exp = repo_path("configs/experiments/default.yaml");
  struct Case {
    std::string yaml, message;
  };
  const std::vector<Case> cases = {
      {"experiment: " + exp + "\ngrdi: {policy.slots: [2]}\n",
       "s.yaml:2: key 'grdi': unknown key (did you mean 'grid'?)"},
      {"experiment: " + exp + "\ngrid:\n  policy.slots: [2]\n  policy.windw_steps: [8]\n",
       "s.yaml:4: point 0000 (policy.slots=2 policy.windw_steps=8): --set policy.windw_steps=8: "
       "key 'policy.windw_steps': unknown key"},
      {"experiment: " + exp + "\ngrid:\n  policy.slots: [2, 0]\n", "point 0001 (policy.slots=0)"},
      {"experiment: " + exp + "\npoints:\n  - {policy.slots: 2}\n  - {policy.refill: immedate}\n",
       "s.yaml:4: point 0001 (policy.refill=immedate): --set policy.refill=immedate: key 'policy.refill'"},
      {"experiment: " + exp + "\ngrid: {}\n", "s.yaml:2: key 'grid': empty"},
      {"experiment: " + exp + "\ngrid:\n", "s.yaml:2: key 'grid': empty"},
      {"experiment: " + exp + "\ngrid: {policy.slots: 4}\n",
       "s.yaml:2: key 'grid.policy.slots': expected a list of values, got a single value"},
      {"experiment: " + exp + "\ngrid: {policy.slots: []}\n", "key 'grid.policy.slots': empty list"},
      {"experiment: missing.yaml\ngrid: {policy.slots: [2]}\n", "s.yaml:1: key 'experiment': file '"},
      {"experiment: " + exp + "\n", "key 'grid': missing"},
      {"experiment: " + exp + "\nset: [workload.requests]\ngrid: {policy.slots: [2]}\n",
       "key 'set': expected a mapping"},
      {"experiment: " + exp + "\ngrid: {policy.slots: [2]}\nmetrics: latency_s.p99\n",
       "key 'metrics': expected a list"},
      {"experiment: " + exp + "\ngrid: {output.dir: [a]}\n", "key 'grid.output.dir': set by the sweep"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    write_file(dir + "/s.yaml", c.yaml);
    for (const char* extra : {"", "--emit-slurm"}) {
      std::vector<std::string> args = {"sweep", dir + "/s.yaml", "--out", dir + "/out"};
      if (*extra) args.insert(args.end(), {extra, dir + "/array.sh"});
      const auto r = run_cli(args);
      EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
      EXPECT_CONTAINS(r.err, c.message);
      EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one message";
      EXPECT_FALSE(fs::exists(dir + "/out"));
      EXPECT_FALSE(fs::exists(dir + "/array.sh"));
    }
  }
  EXPECT_CONTAINS(run_cli({"sweep", dir + "/s.yaml", "--jobs", "0"}).err, "--jobs must be at least 1");
}

TEST(CliSweep, DryRunOfTheShippedExampleListsItsPointsAndWritesNothing) {
  const std::string dir = scratch_dir("sweep_dry");
  const auto r = run_cli(
      {"sweep", repo_path("configs/sweeps/eesen_epur_slots_window.yaml"), "--dry-run", "--out", dir + "/out"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "6 points");
  EXPECT_CONTAINS(r.out, "point 0000: policy.slots=4 policy.window_steps=16\n");
  EXPECT_CONTAINS(r.out, "point 0005: policy.slots=16 policy.window_steps=64\n");
  EXPECT_TRUE(fs::is_empty(dir));
}

}  // namespace
