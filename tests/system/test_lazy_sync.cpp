// simulation.lazy_sync (hw/lazy_quantum_keeper.h): skipping the accelerator's quantum
// synchronisations that no other process could observe changes nothing a run reports.
// Each case runs `ebatch run` twice, lazy_sync false and true, and requires stats.json,
// requests.csv (and, traced, the VCD) byte for byte equal, with syncs skipped when lazy and
// none skipped otherwise. The cases cover what interleaves with the accelerator: a command
// queue and MMIO commands, online (Poisson) arrivals that wake the host between commands, a
// long host reaction, the TPU, an encoder-decoder, the window tuner, the timeline; traced
// runs keep every synchronisation (a signal written ahead of kernel time lands at the kernel
// time of the write), so there the option must change nothing at all.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::read_file;
using test::repo_path;
using test::run_cli;
using test::scratch_dir;

struct LazyCase {
  const char* name;
  const char* experiment;
  std::vector<std::pair<std::string, std::string>> sets;
  bool traced = false, timeline = false;
};

void PrintTo(const LazyCase& c, std::ostream* os) { *os << c.name; }

struct RunFiles {
  std::string stats, requests, vcd, timeline;
  long long synced = 0, skipped = 0;
};

RunFiles run(const LazyCase& c, bool lazy) {
  const std::string dir = scratch_dir(std::string("lazy_") + c.name + (lazy ? "_on" : "_off"));
  std::vector<std::string> args = {"run", repo_path(c.experiment), "--set", "output.progress=off"};
  for (const auto& [key, value] : c.sets) args.insert(args.end(), {"--set", key + "=" + value});
  args.insert(args.end(), {"--set", std::string("simulation.lazy_sync=") + (lazy ? "true" : "false"), "--out", dir});
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  RunFiles out;
  out.stats = read_file(dir + "/stats.json");
  out.requests = read_file(dir + "/requests.csv");
  if (c.traced) out.vcd = read_file(dir + "/trace.vcd");
  if (c.timeline) out.timeline = read_file(dir + "/timeline.json");
  const YAML::Node wall = YAML::LoadFile(dir + "/wallclock.json");
  out.synced = wall["accelerator_syncs"].as<long long>();
  out.skipped = wall["accelerator_syncs_skipped"].as<long long>();
  return out;
}

// Equal texts, or where the first difference lies (gtest's own diff of two long texts takes
// minutes).
::testing::AssertionResult same_text(const std::string& a, const std::string& b) {
  if (a == b) return ::testing::AssertionSuccess();
  std::size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  const std::size_t from = a.rfind('\n', at) == std::string::npos ? 0 : a.rfind('\n', at) + 1;
  return ::testing::AssertionFailure() << "the texts differ from byte " << at << " (" << a.size() << " and " << b.size()
                                       << " bytes); the line there:\n  off: " << a.substr(from, a.find('\n', at) - from)
                                       << "\n  on:  " << b.substr(from, b.find('\n', at) - from);
}

class LazySync : public ::testing::TestWithParam<LazyCase> {};

TEST_P(LazySync, ReportsExactlyWhatSynchronisingEveryQuantumReports) {
  const LazyCase& c = GetParam();
  const RunFiles plain = run(c, false), lazy = run(c, true);
  ASSERT_FALSE(plain.stats.empty());
  EXPECT_TRUE(same_text(plain.stats, lazy.stats));
  EXPECT_TRUE(same_text(plain.requests, lazy.requests));
  if (c.traced) {
    ASSERT_FALSE(plain.vcd.empty());
    // The header's $date line differs from run to run; everything after it may not.
    const auto body = [](const std::string& vcd) { return vcd.substr(vcd.find("$end", vcd.find("$date"))); };
    EXPECT_TRUE(same_text(body(plain.vcd), body(lazy.vcd)));
  }
  EXPECT_TRUE(same_text(plain.timeline, lazy.timeline));
  EXPECT_EQ(plain.skipped, 0);
  if (c.traced) {
    EXPECT_EQ(lazy.skipped, 0) << "a traced run skipped synchronisations";
    EXPECT_EQ(lazy.synced, plain.synced);
  } else {
    EXPECT_GT(lazy.skipped, 0) << "nothing was skipped: the case does not exercise lazy_sync";
    EXPECT_LT(lazy.synced, plain.synced);
    // A skipped synchronisation is one the plain keeper makes: the two add up to its count.
    EXPECT_EQ(lazy.synced + lazy.skipped, plain.synced);
  }
}

const char* const kDefault = "configs/experiments/default.yaml";
const char* const kNmtTpu = "configs/experiments/nmt_encoder_tpu.yaml";

INSTANTIATE_TEST_SUITE_P(
    Runs, LazySync,
    ::testing::Values(
        LazyCase{"cellular_queue", kDefault, {{"workload.requests", "40"}, {"policy", "{kind: cellular, slots: 8}"}}},
        LazyCase{"cellular_mmio_poisson",
                 kDefault,
                 {{"workload.requests", "40"},
                  {"workload.arrivals", "{process: poisson, rate: 2 /s}"},
                  {"policy", "{kind: cellular, slots: 8, command_mode: mmio}"},
                  {"output.timeline", "true"}},
                 false,
                 true},
        LazyCase{"ebatch_tuner_poisson",
                 kDefault,
                 {{"workload.requests", "40"}, {"workload.arrivals", "{process: poisson, rate: 5 /s}"}}},
        LazyCase{
            "tpu_cellular_slow_host",
            kNmtTpu,
            {{"workload.requests", "30"}, {"policy", "{kind: cellular, slots: 8, host_reaction_latency: 100 us}"}}},
        LazyCase{"encoder_decoder",
                 kDefault,
                 {{"workload.requests", "12"},
                  {"network",
                   "{name: tiny_nmt, cell: lstm, input_size: 32, hidden_size: 64, layers: 4, encoder_layers: 2, "
                   "autoregressive: true, output: {size: 500, activation: softmax}}"},
                  {"workload.lengths", "{distribution: uniform, min: 3, max: 20}"},
                  {"policy", "{kind: cellular, slots: 4}"}}},
        LazyCase{"traced",
                 kDefault,
                 {{"workload.requests", "6"},
                  {"policy", "{kind: ebatch, slots: 4, window_steps: 16}"},
                  {"output.trace", "full"}},
                 true}),
    [](const ::testing::TestParamInfo<LazyCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ebatch
