// The same experiment and seed give byte-identical stats.json, requests.csv and VCD
// (apart from the VCD's $date block), run after run and whatever the number of jobs
// of a sweep. Through the real binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace ebatch::test;  // NOLINT(google-build-using-namespace): test helpers only

namespace {

// The VCD without its "$date ... $end" block, the one part that names the wall clock.
std::string without_date(std::string vcd) {
  const auto at = vcd.find("$date");
  if (at == std::string::npos) return vcd;
  const auto end = vcd.find("$end", at);
  return vcd.erase(at, end == std::string::npos ? std::string::npos : end + 4 - at);
}

}  // namespace

TEST(Determinism, RepeatedRunsGiveIdenticalFiles) {
  const std::string base = scratch_dir("determinism_runs");
  const std::vector<std::string> common = {
      "run",   repo_path("configs/experiments/default.yaml"),      "--set", "workload.requests=24",
      "--set", "workload.arrivals={process: poisson, rate: 2 /s}", "--set", "output.trace=full"};
  for (const char* d : {"/a", "/b"}) {
    auto args = common;
    args.insert(args.end(), {"--out", base + d});
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // (resolved.yaml and trace.gtkw name the output folder, so they differ by design.)
  for (const char* f : {"/stats.json", "/requests.csv"})
    EXPECT_EQ(read_file(base + "/a" + f), read_file(base + "/b" + f)) << f;
  const std::string vcd_a = read_file(base + "/a/trace.vcd"), vcd_b = read_file(base + "/b/trace.vcd");
  ASSERT_NE(vcd_a.find("$date"), std::string::npos);
  EXPECT_GT(vcd_a.size(), 1000u);
  EXPECT_EQ(without_date(vcd_a), without_date(vcd_b));
}

TEST(Determinism, SweepPointsDoNotDependOnTheNumberOfJobs) {
  const std::string base = scratch_dir("determinism_sweep");
  write_file(base + "/s.yaml", "experiment: " + repo_path("configs/experiments/default.yaml") +
                                   "\nset: {workload.requests: 12}\n"
                                   "grid: {policy.slots: [2, 4], policy.window_steps: [8, auto]}\n");
  for (const char* jobs : {"1", "2"}) {
    const auto r =
        run_cli({"sweep", base + "/s.yaml", "--jobs", jobs, "--runner", "fork", "--out", base + "/j" + jobs});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(read_file(base + "/j1/sweep.csv"), read_file(base + "/j2/sweep.csv"));
  for (const char* p : {"0000", "0001", "0002", "0003"})
    for (const char* f : {"/stats.json", "/requests.csv"})
      EXPECT_EQ(read_file(base + "/j1/points/" + p + f), read_file(base + "/j2/points/" + p + f)) << p << f;
}
