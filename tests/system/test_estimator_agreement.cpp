// The platforms' pass estimators (hw/pass_plan.h: the tuner's PlanEstimator) against the
// timed SystemC model, over whole small runs of every platform and policy. Both read one
// pass plan per pass, so:
//   - the estimator, fed the passes the accelerator ran in the same order, makes the same
//     plans (phases, bytes, compute cycles), on-chip residency included;
//   - the accelerator-side energy (every platform action, and the accelerator's DRAM bytes)
//     equals the estimate to rounding;
//   - each timed pass takes at least its estimate, and at most the documented difference
//     more: DRAM contention with the host's transfers and one DRAM latency per 1 MiB burst
//     of a long weight transfer (docs/ARCHITECTURE.md, "Pass plans");
//   - the whole run's simulated time exceeds the sum of the passes only by what happens
//     between them on the host side (register accesses, interrupts, host reaction, input and
//     output transfers), measured here and bounded below.
// One run_experiment per test (SystemC elaborates once per process).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/epur/epur_plan.h"
#include "hw/tpu/tpu_plan.h"
#include "tb/simulation.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

struct Case {
  const char* name;
  const char* experiment;  // under configs/experiments
  const char* policy;      // YAML for the `policy` key
  // hardware.spill: dram with this memory's capacity (hardware.<key>), or none (the default).
  const char* spill_key = nullptr;
  const char* spill_capacity = nullptr;
  std::vector<Override> hardware = {};  // E-PUR's weight streaming, prefetch and lanes (issue 13)
};

// Burst size of the accelerator's DRAM transfers (hw/accelerator.h kMaxBurst).
constexpr double kBurstBytes = 1 << 20;

class EstimatorAgreement : public ::testing::TestWithParam<Case> {};

bool same_phases(const PassPlan& a, const PassPlan& b) {
  if (a.phases.size() != b.phases.size()) return false;
  for (std::size_t i = 0; i < a.phases.size(); ++i) {
    const PlanPhase &x = a.phases[i], &y = b.phases[i];
    if (x.kind != y.kind || x.compute_cycles != y.compute_cycles || x.bytes != y.bytes || x.timed != y.timed)
      return false;
  }
  return a.actions == b.actions;
}

TEST_P(EstimatorAgreement, EstimatorEqualsTheTimedRunWithinTheDocumentedDifference) {
  const Case c = GetParam();
  std::vector<Override> overrides{{"policy", c.policy}, {"workload.requests", "24"}};
  if (c.spill_key) {
    overrides.push_back({"hardware.spill", "dram"});
    overrides.push_back({std::string("hardware.") + c.spill_key, c.spill_capacity});
  }
  overrides.insert(overrides.end(), c.hardware.begin(), c.hardware.end());
  const Experiment e = load_experiment(test::repo_path(std::string("configs/experiments/") + c.experiment), overrides);
  std::unique_ptr<PlanEstimator> est;
  if (e.hardware.platform == platform_named("tpu"))
    est = std::make_unique<TpuEstimator>(e.hardware, e.network, e.energy);
  else
    est = std::make_unique<EpurEstimator>(e.hardware, e.network, e.energy);
  est->reset();

  std::uint64_t passes = 0, plan_mismatches = 0, dram_read = 0, dram_write = 0, weight_bytes = 0;
  double est_s = 0, timed_s = 0, est_j = 0, max_excess_s = 0, allowed_excess_s = 0, below_s = 0;
  const double latency = e.hardware.dram.latency_s;
  RunHooks hooks;
  hooks.pass_observer = [&](const LayerPass& pass, const PassPlan& plan, double start, double end) {
    const PassEstimate pe = est->estimate(pass);
    if (!same_phases(est->last_plan(), plan)) plan_mismatches++;
    passes++;
    est_s += pe.seconds;
    est_j += pe.dynamic_joules;
    timed_s += end - start;
    dram_read += plan.dram_read_bytes();
    dram_write += plan.dram_write_bytes();
    weight_bytes += plan.totals.weight_load_bytes + plan.totals.weight_stream_bytes;
    const double excess = (end - start) - pe.seconds;
    max_excess_s = std::max(max_excess_s, excess);
    below_s = std::max(below_s, -excess);
    // Documented difference of one pass: one more DRAM latency per extra burst of each
    // transfer, and waiting behind host transfers (at most one 1 MiB burst of the host's
    // per transfer phase on the shared channel).
    double allowed = 0;
    for (const auto& ph : plan.phases) {
      if (!ph.bytes) continue;
      const double bursts = std::ceil(double(ph.bytes) / kBurstBytes);
      allowed +=
          (ph.timed ? (bursts - 1) * latency : 0) + latency + kBurstBytes / e.hardware.dram.bandwidth_bytes_per_s;
    }
    allowed_excess_s += allowed;
  };
  const RunStats st = run_experiment(e, RunOutputs{}, hooks);
  ASSERT_TRUE(st.error.empty()) << st.error;
  ASSERT_EQ(st.completed, 24);
  ASSERT_EQ(passes, st.passes);
  if (c.spill_key) {  // the spill phases ran (and were planned alike, below)
    std::uint64_t spill = 0;
    for (const auto& m : st.onchip) spill += m.spill_bytes;
    EXPECT_GT(spill, 0u);
  }

  // Same plans, same residency.
  EXPECT_EQ(plan_mismatches, 0u);
  EXPECT_EQ(weight_bytes, st.weight_load_bytes + st.weight_stream_bytes);

  // Energy: the run's accelerator-side dynamic energy (all but the host's DRAM bytes and the
  // control block) equals the estimate.
  double platform_j = 0;
  for (const auto& [name, comp] : st.energy.components)
    if (name != "dram" && name != "control") platform_j += comp.dynamic_j;
  const double accel_dram_j = double(dram_read) * e.energy.action("dram", "read_byte") +
                              double(dram_write) * e.energy.action("dram", "write_byte");
  EXPECT_NEAR(est_j, platform_j + accel_dram_j, 1e-9 * est_j);

  // Time per pass: never below the estimate (beyond sc_time's 1 ps rounding per annotation),
  // and above it at most by the documented difference.
  EXPECT_LE(below_s, 1e-11);
  EXPECT_GE(timed_s, est_s - double(passes) * 1e-11);
  EXPECT_LE(timed_s - est_s, allowed_excess_s);

  // The whole run: passes run one after another on one sequencer, so the simulated time holds
  // them all; the rest is the host side between commands.
  EXPECT_GE(st.sim_time_s, timed_s * (1 - 1e-12));
  const double host_side = st.sim_time_s - timed_s;
  // Printed for docs/ARCHITECTURE.md, "Pass plans".
  std::printf(
      "[ measured ] %s: %llu passes, %llu commands; estimate %.6g s, timed passes %.6g s (+%.3g%%), run %.6g s "
      "(host side %.3g%% of the run); energy estimate %.6g J, timed %.6g J\n",
      c.name, static_cast<unsigned long long>(passes), static_cast<unsigned long long>(st.commands), est_s, timed_s,
      100.0 * (timed_s - est_s) / est_s, st.sim_time_s, 100.0 * host_side / st.sim_time_s, est_j,
      platform_j + accel_dram_j);
  // Host side: all requests arrive at time zero, so the accelerator never waits for work;
  // between passes there are only the host's register accesses (two accelerator cycles each),
  // its reaction to each interrupt edge, and its input and output transfers (each burst paying
  // the DRAM latency in the worst case).
  const double registers = st.energy.components.at("control").action_counts.at("register_access");
  const double host_bytes = double(st.dram_bytes_read + st.dram_bytes_written) - double(dram_read + dram_write);
  const double host_transfers_s = host_bytes / e.hardware.dram.bandwidth_bytes_per_s +
                                  latency * (2.0 * double(st.submitted) + host_bytes / kBurstBytes);
  // The host reacts once per completed sequence and once per command's end (the line drops
  // for one cycle between completions waiting together).
  const double reactions = double(st.completed + std::int64_t(st.commands));
  EXPECT_LE(host_side, reactions * (e.policy.host_reaction_latency_s + 1.0 / e.hardware.frequency_hz) +
                           registers * 2.0 / e.hardware.frequency_hz + host_transfers_s);
}

INSTANTIATE_TEST_SUITE_P(
    EveryPlatformAndPolicy, EstimatorAgreement,
    ::testing::Values(Case{"epur_eesen_none", "default.yaml", "{kind: none}"},
                      Case{"epur_eesen_padded", "default.yaml", "{kind: padded, slots: 8}"},
                      Case{"epur_eesen_cellular", "default.yaml", "{kind: cellular, slots: 8}"},
                      Case{"epur_eesen_ebatch", "default.yaml", "{kind: ebatch, slots: 8, window_steps: auto}"},
                      Case{"epur_nmt_none", "nmt_encoder_epur.yaml", "{kind: none}"},
                      Case{"epur_nmt_padded", "nmt_encoder_epur.yaml", "{kind: padded, slots: 8}"},
                      Case{"epur_nmt_cellular", "nmt_encoder_epur.yaml", "{kind: cellular, slots: 8}"},
                      Case{"epur_nmt_ebatch", "nmt_encoder_epur.yaml", "{kind: ebatch, slots: 8, window_steps: auto}"},
                      Case{"epur_eesen_ebatch_overlapped_prefetch_lanes",
                           "default.yaml",
                           "{kind: ebatch, slots: 8, window_steps: auto}",
                           nullptr,
                           nullptr,
                           {{"hardware.weight_streaming", "overlapped"},
                            {"hardware.weight_prefetch", "next_layer"},
                            {"hardware.dot_product_lanes", "4"}}},
                      Case{"epur_nmt_cellular_overlapped",
                           "nmt_encoder_epur.yaml",
                           "{kind: cellular, slots: 8}",
                           nullptr,
                           nullptr,
                           {{"hardware.weight_streaming", "overlapped"}}},
                      Case{"tpu_eesen_none", "eesen_tpu.yaml", "{kind: none}"},
                      Case{"tpu_eesen_padded", "eesen_tpu.yaml", "{kind: padded, slots: 16}"},
                      Case{"tpu_eesen_cellular", "eesen_tpu.yaml", "{kind: cellular, slots: 16}"},
                      Case{"tpu_eesen_ebatch", "eesen_tpu.yaml", "{kind: ebatch, slots: 16, window_steps: auto}"},
                      // hardware.spill: dram with small memories: the spill phases agree too.
                      Case{"epur_eesen_ebatch_spill", "default.yaml", "{kind: ebatch, slots: 8, window_steps: auto}",
                           "intermediate_memory", "1 MiB"},
                      Case{"tpu_eesen_ebatch_spill", "eesen_tpu.yaml", "{kind: ebatch, slots: 16, window_steps: auto}",
                           "accumulators", "1 MiB"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ebatch
