// On-chip capacity (hw/onchip.h, issue 13 item 6): the working set of a pass per memory,
// worked out by hand on both platforms; hardware.spill: dram as spill phases in the plan
// (time and DRAM bytes), reject as one clear error; the window tuner under a small capacity.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/dram_timing.h"
#include "hw/epur/epur_plan.h"
#include "hw/onchip.h"
#include "hw/tpu/tpu_plan.h"
#include "runtime/window_tuner.h"
#include "tb/workload.h"
#include "tests/test_support.h"

using namespace ebatch;
using ebatch::test::repo_path;

namespace {

// EESEN (LSTM, h = 320, 4 gates, bidirectional concat), layer 1 (input 640): forward two
// slots of 5 and 3 steps, backward one slot of 4 steps.
LayerPass eesen_layer1_pass() {
  LayerPass pass;
  pass.layer = 1;
  Segment a, b, c;
  a.slot = 0, a.begin = 0, a.end = 5, a.window_offset = 0;
  b.slot = 1, b.begin = 0, b.end = 3, b.window_offset = 0;
  c.slot = 2, c.begin = 0, c.end = 4, c.window_offset = 0;
  pass.forward = {a, b};
  pass.forward_span = 5;
  pass.backward = {c};
  pass.backward_span = 4;
  return pass;
}

NetworkSpec eesen() { return load_experiment(repo_path("configs/experiments/eesen_tpu.yaml")).network; }

const PlanPhase* find_phase(const PassPlan& plan, PlanPhase::Kind kind) {
  const auto it =
      std::find_if(plan.phases.begin(), plan.phases.end(), [&](const PlanPhase& p) { return p.kind == kind; });
  return it == plan.phases.end() ? nullptr : &*it;
}

}  // namespace

// E-PUR, fp16 (b = 2): rows 8 forward, 4 backward.
//   inputs  (8 + 4) * 640 * 2      = 15360 (layer 1 reads layer 0's outputs from the memory)
//   wx      max(8, 4) * 1280 * 2   = 20480 (one direction's W x_t + b at a time)
//   states  (2 + 1) * 320 * 2 * 2  =  3840 (h and c of three slots)
//   outputs (8 + 4) * 320 * 2      =  7680
//   total                          = 47360 B; against 40000 B: 7360 B spill.
TEST(OnChip, EpurIntermediateMemoryWorkedOutByHand) {
  const NetworkSpec net = eesen();
  const LayerPass pass = eesen_layer1_pass();
  const ActivationWorkingSet ws = activation_working_set(net, pass, 2, /*inputs_on_chip=*/true);
  EXPECT_EQ(ws.inputs, 15360u);
  EXPECT_EQ(ws.wx, 20480u);
  EXPECT_EQ(ws.states, 3840u);
  EXPECT_EQ(ws.outputs, 7680u);
  EXPECT_EQ(ws.total(), 47360u);

  // ignore: reported, no spill, the plan unchanged (the default is dram).
  EXPECT_EQ(load_hardware_config(repo_path("configs/hw/epur.yaml")).spill, SpillMode::dram);
  HardwareConfig roomy = load_hardware_config(repo_path("configs/hw/epur.yaml"));
  roomy.spill = SpillMode::ignore;
  EpurPlanner planner(roomy, net);
  PassPlan plan;
  planner.plan(pass, plan);
  ASSERT_EQ(plan.onchip.size(), 1u);
  EXPECT_EQ(plan.onchip[0].working_set, 47360u);
  EXPECT_EQ(plan.onchip[0].spill_bytes, 0u);
  EXPECT_EQ(find_phase(plan, PlanPhase::Kind::spill_write), nullptr);

  // dram: the 7360 B excess is taken from the pass's own outputs that layer 2 needs (12 rows x
  // 320 x 2 = 7680 B, hw/onchip.h): written to DRAM now (100 ns + 7360 B / 25.6 GB/s) and read
  // back by the layer-2 pass that reads them, not by this one.
  const HardwareConfig small =
      load_hardware_config(repo_path("configs/hw/epur.yaml"), {{"intermediate_memory", "40000 B"}, {"spill", "dram"}});
  EpurPlanner spilling(small, net);
  PassPlan spilled;
  spilling.plan(pass, spilled);
  EXPECT_EQ(spilled.onchip[0].working_set, 47360u);
  EXPECT_EQ(spilled.onchip[0].spill_bytes, 7360u);
  EXPECT_EQ(spilled.onchip[0].spill_read_bytes, 0u);
  EXPECT_EQ(spilled.onchip[0].held_bytes, 7680u);
  const PlanPhase* w = find_phase(spilled, PlanPhase::Kind::spill_write);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->bytes, 7360u);
  EXPECT_EQ(find_phase(spilled, PlanPhase::Kind::spill_read), nullptr);
  EXPECT_EQ(spilled.dram_write_bytes(), plan.dram_write_bytes() + 7360u);
  EXPECT_EQ(spilled.dram_read_bytes(), plan.dram_read_bytes());
  const double spill_s = 100e-9 + 7360.0 / 25.6e9;
  EXPECT_NEAR(plan_seconds(spilled, small) - plan_seconds(plan, roomy), spill_s, 1e-15);

  // reject: the estimator (the tuner's) throws one clear message naming the memory, the bytes
  // and the key; the planner itself plans as under ignore (the timed run fails at its end).
  const Experiment strict =
      load_experiment(repo_path("configs/experiments/default.yaml"),
                      {{"hardware.intermediate_memory", "40000 B"}, {"hardware.spill", "reject"}});
  EpurPlanner(strict.hardware, net).plan(pass, plan);
  EXPECT_EQ(plan.onchip[0].spill_bytes, 0u);
  EXPECT_EQ(find_phase(plan, PlanPhase::Kind::spill_write), nullptr);
  EpurEstimator rejecting(strict.hardware, net, strict.energy);
  try {
    rejecting.estimate(pass);
    FAIL() << "no CapacityError";
  } catch (const CapacityError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find("hardware.spill: reject: intermediate_memory: a layer pass needs"), 0u) << m;
    EXPECT_NE(m.find("47360 B"), std::string::npos) << m;
    EXPECT_NE(m.find("40000 B"), std::string::npos) << m;
    EXPECT_NE(m.find("hardware.intermediate_memory"), std::string::npos) << m;
    EXPECT_NE(m.find("hardware.spill: dram"), std::string::npos) << m;
  }
  // Layer 0 reads its inputs from DRAM into the input buffers: no inputs in the memory.
  LayerPass first = pass;
  first.layer = 0;
  EXPECT_EQ(activation_working_set(net, first, 2, false).inputs, 0u);
}

// TPU, int8 (b = 1), the same pass:
//   unified buffer: inputs 12 * 640 = 7680, wx 8 * 1280 = 10240, states 3 * 320 * 2 = 1920,
//                   outputs 12 * 320 = 3840: 23680 B; against 20000 B: 3680 B spill;
//   accumulators:   the input half's 8 x 1280 outputs in 32 bit = 40960 B; against
//                   32768 B: 8192 B spill. The plan spills 3680 + 8192 = 11872 B.
TEST(OnChip, TpuUnifiedBufferAndAccumulatorsWorkedOutByHand) {
  const NetworkSpec net = eesen();
  const LayerPass pass = eesen_layer1_pass();
  EXPECT_EQ(activation_working_set(net, pass, 1, true).total(), 23680u);
  EXPECT_EQ(accumulator_working_set(net, pass), 40960u);
  const HardwareConfig hw =
      load_hardware_config(repo_path("configs/hw/tpu_v1.yaml"),
                           {{"unified_buffer", "20000 B"}, {"accumulators", "32768 B"}, {"spill", "dram"}});
  TpuPlanner planner(hw, net);
  PassPlan plan;
  planner.plan(pass, plan);
  ASSERT_EQ(plan.onchip.size(), 2u);
  EXPECT_EQ(planner.onchip_memories()[0].name, "unified_buffer");
  EXPECT_EQ(plan.onchip[0].working_set, 23680u);
  EXPECT_EQ(plan.onchip[0].spill_bytes, 3680u);
  EXPECT_EQ(planner.onchip_memories()[1].name, "accumulators");
  EXPECT_EQ(plan.onchip[1].working_set, 40960u);
  EXPECT_EQ(plan.onchip[1].spill_bytes, 8192u);
  const PlanPhase* w = find_phase(plan, PlanPhase::Kind::spill_write);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->bytes, 11872u);
  // Read back in this pass: the accumulators' 8192 B; the unified buffer's 3680 B are outputs
  // that layer 2 reads back (hw/onchip.h).
  const PlanPhase* r = find_phase(plan, PlanPhase::Kind::spill_read);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes, 8192u);
  // The accumulators alone over capacity under reject name their own key.
  const Experiment strict = load_experiment(repo_path("configs/experiments/eesen_tpu.yaml"),
                                            {{"hardware.accumulators", "32768 B"}, {"hardware.spill", "reject"}});
  TpuEstimator rejecting(strict.hardware, net, strict.energy);
  try {
    rejecting.estimate(pass);
    FAIL() << "no CapacityError";
  } catch (const CapacityError& e) {
    EXPECT_NE(std::string(e.what()).find("hardware.accumulators"), std::string::npos) << e.what();
  }
  // Recorded into the counters: the peak and the spill per memory.
  EnergyCounters counters;
  PlanActionRecorder recorder(counters, planner);
  planner.reset();  // the same pass again: forget the outputs it left held the first time
  planner.plan(pass, plan);
  recorder.record(plan);
  recorder.record(plan);
  ASSERT_EQ(counters.onchip().size(), 2u);
  EXPECT_EQ(counters.onchip()[0].peak, 23680u);
  EXPECT_EQ(counters.onchip()[0].memory.capacity, 20000u);
  EXPECT_EQ(counters.onchip()[0].passes_over, 2u);
  EXPECT_EQ(counters.onchip()[0].spill_bytes, 2 * 3680u);
}

namespace {

// The tuner's TPU estimator, remembering the largest unified-buffer working set it saw.
class PeakEstimator : public PassEstimator {
 public:
  PeakEstimator(const Experiment& e) : inner_(e.hardware, e.network, e.energy) {}
  PassEstimate estimate(const LayerPass& pass) override {
    const PassEstimate p = inner_.estimate(pass);
    peak = std::max(peak, inner_.last_plan().onchip[0].working_set);
    return p;
  }
  double leakage_watts() const override { return inner_.leakage_watts(); }
  void reset() override { inner_.reset(); }
  std::uint64_t peak = 0;

 private:
  TpuEstimator inner_;
};

}  // namespace

// The tuner under a small unified buffer: with reject it only picks windows that fit (and
// says which it skipped), none fitting is an error; with dram it prices the spill.
TEST(OnChip, TunerPicksOnlyWindowsThatFitOrPricesTheSpill) {
  Experiment e = load_experiment(
      repo_path("configs/experiments/eesen_tpu.yaml"),
      {{"policy.kind", "ebatch"}, {"policy.slots", "4"}, {"policy.window_steps", "auto"}, {"workload.requests", "12"}});
  e.policy.tuner.candidates = {4, 32};
  const std::vector<Request> pilot = pilot_requests(generate_requests(e.workload));
  std::uint64_t peak4 = 0, peak32 = 0;
  double makespan32 = 0;
  {
    PeakEstimator est(e);
    estimate_window(e, pilot, 4, est);
    peak4 = est.peak;
    est.peak = 0;
    makespan32 = estimate_window(e, pilot, 32, est).makespan_s;
    peak32 = est.peak;
  }
  ASSERT_LT(peak4, peak32) << "a longer window keeps more rows on chip";

  e.hardware.config<TpuConfig>().unified_buffer_bytes = peak4;  // N = 4 just fits
  e.hardware.spill = SpillMode::reject;
  {
    TpuEstimator est(e.hardware, e.network, e.energy);
    const TunerChoice c = tune_window(e, pilot, est);
    EXPECT_EQ(c.window, 4);
    ASSERT_EQ(c.points.size(), 1u);
    EXPECT_NE(c.reason.find("do not fit on chip skipped (hardware.spill: reject): 32"), std::string::npos) << c.reason;
  }
  e.hardware.config<TpuConfig>().unified_buffer_bytes = peak4 - 1;  // nothing fits
  {
    TpuEstimator est(e.hardware, e.network, e.energy);
    try {
      tune_window(e, pilot, est);
      FAIL() << "no CapacityError";
    } catch (const CapacityError& error) {
      const std::string m = error.what();
      EXPECT_NE(m.find("policy.tuner.candidates: no window fits on chip"), std::string::npos) << m;
      EXPECT_NE(m.find("unified_buffer"), std::string::npos) << m;
    }
  }
  e.hardware.config<TpuConfig>().unified_buffer_bytes = peak4;
  e.hardware.spill = SpillMode::dram;
  {
    TpuEstimator est(e.hardware, e.network, e.energy);
    const TunerChoice c = tune_window(e, pilot, est);
    ASSERT_EQ(c.points.size(), 2u);
    EXPECT_GT(c.points[1].makespan_s, makespan32) << "N = 32 pays its spill";
  }
}
