// The TPU-like array in the whole system: the same runtime and policies as on E-PUR,
// functional results against the golden reference in each precision, stats that add up,
// and a waveform GTKWave accepts. One run_experiment per TEST (one per process).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "tb/simulation.h"
#include "tb/workload.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::repo_path;
using test::scratch_dir;

Experiment tpu_experiment(std::vector<Override> overrides) {
  overrides.insert(overrides.begin(), {"workload.lengths", "{distribution: uniform, min: 3, max: 25}"});
  overrides.insert(overrides.begin(), {"workload.requests", "6"});
  return load_experiment(repo_path("configs/experiments/eesen_tpu.yaml"), overrides);
}

void expect_functional(const std::string& precision, double max_error) {
  const Experiment e = tpu_experiment({{"hardware.precision", precision},
                                       {"simulation.functional", "true"},
                                       {"policy", "{kind: ebatch, slots: 3, window_steps: 4}"}});
  const RunStats st = run_experiment(e, RunOutputs{});
  EXPECT_EQ(st.error, "");
  EXPECT_EQ(st.completed, 6);
  EXPECT_EQ(st.compared, 6);
  EXPECT_EQ(st.mismatches, 0) << st.first_mismatch;
  EXPECT_LE(st.max_abs_error, max_error);
  EXPECT_GT(st.max_abs_error, 0.0);
}

}  // namespace

TEST(TpuSystem, Fp32MatchesTheGoldenReference) { expect_functional("fp32", 1e-5); }

TEST(TpuSystem, Bf16WithinItsTolerance) { expect_functional("bf16", 0.1); }

TEST(TpuSystem, Int8WithinItsTolerance) { expect_functional("int8", 0.2); }

TEST(TpuSystem, EveryPolicyCompletesEveryRequestAndStatsAddUp) {
  // Cellular exercises the most commands; its accounting must still add up.
  const Experiment e = tpu_experiment({{"policy", "{kind: cellular, slots: 4}"}, {"workload.requests", "10"}});
  const RunStats st = run_experiment(e, RunOutputs{});
  EXPECT_EQ(st.error, "");
  EXPECT_EQ(st.completed, 10);
  double lengths = 0;
  for (const auto& r : generate_requests(e.workload)) lengths += double(r.length);
  EXPECT_DOUBLE_EQ(st.step_slots_useful, lengths * e.network.num_layers * e.network.directions());
  EXPECT_DOUBLE_EQ(st.step_slots_padding, 0.0);
  double sum = 0;
  for (const auto& [name, c] : st.energy.components) sum += c.total_j();
  EXPECT_NEAR(sum, st.energy.total_j(), 1e-9 * st.energy.total_j());
  // Every weight byte the array used came from DRAM.
  EXPECT_GE(st.dram_bytes_read, st.weight_load_bytes);
  EXPECT_GT(st.weight_load_bytes, 0u);
}

TEST(TpuSystem, WaveformPassesVcd2fstAndHasTheArraySignals) {
  const std::string dir = scratch_dir("tpu_vcd");
  const Experiment e =
      tpu_experiment({{"output.trace", "full"}, {"policy", "{kind: ebatch, slots: 2, window_steps: 8}"}});
  RunOutputs out;
  out.vcd_base = dir + "/trace";
  const RunStats st = run_experiment(e, out);
  EXPECT_EQ(st.completed, 6);
  const std::string vcd = test::read_file(dir + "/trace.vcd");
  for (const char* signal : {"irq", "layer", "busy", "bytes", "traffic_bytes", "request"})
    EXPECT_NE(vcd.find(signal), std::string::npos) << signal;
  const std::string cmd = "vcd2fst " + dir + "/trace.vcd " + dir + "/trace.fst > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/trace.fst"));
}

}  // namespace ebatch

namespace ebatch {
namespace {

// Issue 13, item 6: under hardware.spill: dram the DRAM writes (and reads back) every byte the
// planners spill, on top of the host's inputs and the outputs; each request of policy none is one pass per layer
// over its whole length, so with 64 KiB of accumulators (13 x 1280 x 4 B > 64 KiB) the
// longer ones spill.
TEST(TpuSystem, SpillToDramIsCountedByTheDram) {
  const Experiment e = tpu_experiment({{"hardware.accumulators", "64 KiB"}, {"hardware.spill", "dram"}});
  const RunStats st = run_experiment(e, RunOutputs{});
  EXPECT_EQ(st.error, "");
  std::uint64_t spill = 0, outputs = 0;
  for (const auto& m : st.onchip) spill += m.spill_bytes;
  ASSERT_EQ(st.onchip.size(), 2u);
  EXPECT_EQ(st.onchip[1].memory.name, "accumulators");
  EXPECT_GT(st.onchip[1].spill_bytes, 0u);
  EXPECT_GT(st.onchip[1].passes_over, 0u);
  EXPECT_GT(st.onchip[1].peak, st.onchip[1].memory.capacity);
  // Written: the host's inputs, the outputs and the spill (int8: one byte a value).
  const auto width = std::uint64_t(e.network.input_size + e.network.layer_output_size() + e.network.output.size);
  for (const auto& r : generate_requests(e.workload)) outputs += std::uint64_t(r.length) * width;
  EXPECT_EQ(st.dram_bytes_written, outputs + spill);
}

// Under reject, a pass that does not fit is known only when it is issued (policy none has no
// tuner): the run ends failed with the one clear message.
TEST(TpuSystem, RejectFailsTheRunNamingTheMemoryAndTheKey) {
  const Experiment e = tpu_experiment({{"hardware.accumulators", "64 KiB"}, {"hardware.spill", "reject"}});
  const RunStats st = run_experiment(e, RunOutputs{});
  EXPECT_EQ(st.error.rfind("hardware.spill: reject: accumulators: a layer pass needs ", 0), 0u) << st.error;
  EXPECT_NE(st.error.find("capacity 64 KiB (65536 B); raise hardware.accumulators"), std::string::npos) << st.error;
  EXPECT_EQ(st.onchip[1].spill_bytes, 0u);
}

}  // namespace
}  // namespace ebatch
