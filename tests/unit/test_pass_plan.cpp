// Pass plans (hw/pass_plan.h), kernel-free: the phase arithmetic worked by hand, the DRAM
// timing function, and the phases each platform's planner makes of a pass.
#include <gtest/gtest.h>

#include <vector>

#include "common/experiment.h"
#include "hw/dram_timing.h"
#include "hw/epur/epur_plan.h"
#include "hw/pass_plan.h"
#include "hw/tpu/tpu_plan.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using Kind = PlanPhase::Kind;

// 1 GHz, 100 ns latency, 1 byte per ns: times in ns are easy to check by hand.
HardwareConfig simple_hw() {
  HardwareConfig hw;
  hw.frequency_hz = 1e9;
  hw.dram.latency_s = 100e-9;
  hw.dram.bandwidth_bytes_per_s = 1e9;
  return hw;
}

TEST(DramTiming, LatencyPlusBytesOverBandwidth) {
  const HardwareConfig hw = simple_hw();
  EXPECT_DOUBLE_EQ(dram_occupancy_seconds(hw.dram, 1000), 1000e-9);
  EXPECT_DOUBLE_EQ(dram_transfer_seconds(hw.dram, 1000), 1100e-9);
  EXPECT_DOUBLE_EQ(dram_bytes_per_cycle(hw.dram, hw.frequency_hz), 1.0);
  EXPECT_EQ(dram_latency_cycles(hw.dram, hw.frequency_hz), 100u);
  HardwareConfig slow = hw;
  slow.frequency_hz = 0.7e9;  // 70 cycles of latency exactly; 150 ns would be 105
  slow.dram.latency_s = 150e-9;
  EXPECT_EQ(dram_latency_cycles(slow.dram, slow.frequency_hz), 105u);
}

TEST(PassPlan, PhasesAddUpOneAfterAnotherAndComputeOverlapsItsStream) {
  const HardwareConfig hw = simple_hw();
  PassPlan plan;
  plan.clear();
  plan.add(Kind::weight_load, 0, 1000);  // 100 + 1000 ns
  plan.add(Kind::input_read, 0, 500);    // 100 + 500 ns
  plan.add(Kind::compute, 2000, 3000);   // max(2000, 100 + 3000) ns: the stream is slower
  plan.add(Kind::output_write, 0, 200);  // 100 + 200 ns
  EXPECT_NEAR(phase_seconds(plan.phases[2], hw), 3100e-9, 1e-18);
  EXPECT_NEAR(plan_seconds(plan, hw), (1100 + 600 + 3100 + 300) * 1e-9, 1e-18);
  EXPECT_EQ(plan.dram_read_bytes(), 4500u);
  EXPECT_EQ(plan.dram_write_bytes(), 200u);

  PassPlan compute_bound;
  compute_bound.clear();
  compute_bound.add(Kind::compute, 5000, 3000);  // max(5000, 3100) ns: compute sets the pace
  EXPECT_NEAR(plan_seconds(compute_bound, hw), 5000e-9, 1e-18);

  PassPlan accounted;
  accounted.clear();
  accounted.add(Kind::compute, 1000, 1 << 20, /*timed=*/false);  // the fetch is inside the 1000 cycles
  EXPECT_NEAR(plan_seconds(accounted, hw), 1000e-9, 1e-18);
  EXPECT_EQ(accounted.dram_read_bytes(), std::uint64_t(1) << 20);  // still read from DRAM
}

Segment whole(int slot, std::int64_t length) {
  Segment s;
  s.slot = slot;
  s.sequence.id = slot;
  s.sequence.length = s.sequence.padded_length = length;
  s.begin = 0;
  s.end = length;
  s.useful_steps = length;
  s.resets_state = true;
  return s;
}

LayerPass pass_of(const NetworkSpec& net, int layer, std::int64_t length) {
  LayerPass p;
  p.layer = layer;
  p.forward.push_back(whole(0, length));
  p.forward_span = length;
  if (net.bidirectional) {
    p.backward.push_back(whole(0, length));
    p.backward_span = length;
  }
  return p;
}

TEST(EpurPlanner, LoadsALayerOnceThenComputesFromTheBuffers) {
  const Experiment e =
      load_experiment(test::repo_path("configs/experiments/default.yaml"), {{"policy", "{kind: none}"},
                                                                            {"workload.requests", "1"},
                                                                            {"hardware.weight_streaming", "serial"},
                                                                            {"hardware.weight_prefetch", "off"}});
  EpurPlanner planner(e.hardware, e.network);
  EpurCostModel reference(e.hardware, e.network);
  const LayerPass p = pass_of(e.network, 0, 5);
  PassPlan plan;
  planner.plan(p, plan);
  const PassCost first = reference.cost(p);
  ASSERT_GT(first.weight_load_bytes, 0u);
  ASSERT_EQ(plan.phases.size(), 3u);  // layer 0 is not the last: no output write
  EXPECT_EQ(plan.phases[0].kind, Kind::weight_load);
  EXPECT_EQ(plan.phases[0].bytes, first.weight_load_bytes);
  EXPECT_EQ(plan.phases[0].bytes,
            reference.layer_bytes_per_cu(0) * std::uint64_t(e.hardware.config<EpurConfig>().compute_units));
  EXPECT_EQ(plan.phases[1].kind, Kind::input_read);
  EXPECT_EQ(plan.phases[1].bytes, 5u * std::uint64_t(e.network.input_size) *
                                      std::uint64_t(bytes_per_value(e.hardware.precision)) *
                                      (e.network.bidirectional ? 2u : 1u));
  EXPECT_EQ(plan.phases[2].kind, Kind::compute);
  EXPECT_EQ(plan.phases[2].compute_cycles, first.compute_cycles());
  EXPECT_EQ(plan.phases[2].bytes, 0u);  // layer 0 fits: nothing streamed
  ASSERT_EQ(plan.actions.size(), planner.action_names().size());
  EXPECT_EQ(plan.actions[0], first.macs);
  EXPECT_EQ(planner.action_names()[0].first, "dpu");

  // Resident now: the same pass again has no weight load.
  planner.plan(p, plan);
  ASSERT_EQ(plan.phases.size(), 2u);
  EXPECT_EQ(plan.phases[0].kind, Kind::input_read);
  // reset() forgets the buffers.
  planner.reset();
  planner.plan(p, plan);
  EXPECT_EQ(plan.phases[0].kind, Kind::weight_load);
}

TEST(TpuPlanner, WeightFetchesAreCountedInsideTheComputeCycles) {
  const Experiment e = load_experiment(test::repo_path("configs/experiments/eesen_tpu.yaml"),
                                       {{"policy", "{kind: none}"}, {"workload.requests", "1"}});
  TpuPlanner planner(e.hardware, e.network);
  const TpuCostModel reference(e.hardware, e.network);
  const int last = e.network.num_layers - 1;
  LayerPass p = pass_of(e.network, last, 4);
  p.output_rows = 4;
  PassPlan plan;
  planner.plan(p, plan);
  const TpuPassCost c = reference.cost(p);
  ASSERT_EQ(plan.phases.size(), 2u);  // the last layer reads no DRAM inputs, writes outputs
  EXPECT_EQ(plan.phases[0].kind, Kind::compute);
  EXPECT_EQ(plan.phases[0].compute_cycles, c.cycles);
  EXPECT_EQ(plan.phases[0].bytes, c.weight_bytes);
  EXPECT_FALSE(plan.phases[0].timed);
  EXPECT_EQ(plan.phases[1].kind, Kind::output_write);
  EXPECT_EQ(plan.phases[1].bytes, c.output_dram_bytes);
  EXPECT_DOUBLE_EQ(plan_seconds(plan, e.hardware), double(c.cycles) / e.hardware.frequency_hz +
                                                       dram_transfer_seconds(e.hardware.dram, c.output_dram_bytes));
}

}  // namespace
}  // namespace ebatch
