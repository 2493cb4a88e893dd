// Modelled faults, whole runs: a request whose inputs get a DRAM error response, and one
// whose descriptor carries an out-of-range address, are dropped by the accelerator, which
// raises the error interrupt; the runtime reports each (id and reason) and every other
// request completes exactly once. One run_experiment per test (SystemC elaborates once).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "tb/simulation.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::read_file;
using test::read_requests_csv;
using test::repo_path;
using test::run_cli;
using test::scratch_dir;

constexpr int kRequests = 24;

void expect_faults_isolated(const std::string& experiment, const std::string& policy) {
  const std::string dir = scratch_dir("faults");
  const Experiment e = load_experiment(repo_path(experiment),
                                       {{"workload.requests", std::to_string(kRequests)},
                                        {"workload.lengths", "{distribution: uniform, min: 3, max: 40, unit: steps}"},
                                        {"policy", policy},
                                        {"simulation.faults", "{dram_error: [5], bad_address: [11]}"}});
  RunOutputs out;
  out.requests_csv = dir + "/requests.csv";
  const RunStats st = run_experiment(e, out);
  EXPECT_TRUE(st.error.empty()) << st.error;
  ASSERT_EQ(st.failed.size(), 2u);
  std::set<std::int64_t> failed_ids;
  for (const auto& f : st.failed) {
    failed_ids.insert(f.id);
    EXPECT_EQ(f.reason, f.id == 5 ? "DRAM error response" : "DRAM address out of range") << f.id;
  }
  EXPECT_EQ(failed_ids, (std::set<std::int64_t>{5, 11}));
  EXPECT_EQ(st.completed, kRequests - 2);
  // Every other request exactly once, with its own latency.
  const auto rows = read_requests_csv(out.requests_csv);
  ASSERT_EQ(rows.size(), std::size_t(kRequests - 2));
  std::set<std::int64_t> done;
  for (const auto& r : rows) {
    EXPECT_TRUE(done.insert(r.id).second) << "request " << r.id << " twice";
    EXPECT_EQ(failed_ids.count(r.id), 0u) << "failed request " << r.id << " reported done";
  }
  EXPECT_NE(stats_json(st, e).find("\"complete\": false"), std::string::npos);
}

TEST(Faults, EbatchOnEpurDropsOnlyTheFailedRequests) {
  expect_faults_isolated("configs/experiments/default.yaml", "{kind: ebatch, slots: 4, window_steps: 8}");
}

TEST(Faults, CellularOnTpuDropsOnlyTheFailedRequests) {
  expect_faults_isolated("configs/experiments/eesen_tpu.yaml", "{kind: cellular, slots: 4}");
}

TEST(Faults, PaddedOnEpurDropsOnlyTheFailedRequests) {
  expect_faults_isolated("configs/experiments/default.yaml", "{kind: padded, slots: 4}");
}

TEST(Faults, NoBatchingOnTpuDropsOnlyTheFailedRequests) {
  expect_faults_isolated("configs/experiments/eesen_tpu.yaml", "{kind: none}");
}

// Through the command line: exit code 1, the failed requests named on stderr and in
// stats.json, the other results written.
TEST(Faults, CliReportsFailedRequestsAndExitsNonZero) {
  const std::string dir = scratch_dir("faults_cli") + "/out";
  const auto r = run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", "workload.requests=12",
                          "--set", "simulation.faults={dram_error: [3]}", "--out", dir});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_CONTAINS(r.err, "1 of 12 requests failed; request 3: DRAM error response");
  EXPECT_CONTAINS(r.out, "FAILED: request 3");
  const std::string stats = read_file(dir + "/stats.json");
  EXPECT_CONTAINS(stats, "\"requests_failed\": 1");
  EXPECT_CONTAINS(stats, "\"reason\": \"DRAM error response\"");
  EXPECT_EQ(read_requests_csv(dir + "/requests.csv").size(), 11u);
}

}  // namespace
}  // namespace ebatch
