// Activations held on chip between passes (hw/onchip.h, HeldActivations; issue 13 item 6):
// worked out by hand on tiny networks with real SlotEngine passes, unidirectional and
// bidirectional; hardware.spill: dram spilling held outputs once (written when produced,
// read back by the pass that reads them); reject naming the held bytes; the tuner pricing it.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/epur/epur_plan.h"
#include "hw/onchip.h"
#include "runtime/window_tuner.h"
#include "tb/workload.h"
#include "tests/test_support.h"

using namespace ebatch;
using ebatch::test::repo_path;

namespace {

// LSTM, input 3, h = 4 (4 gates), 2 layers (or `layers`), output layer of 2.
NetworkSpec tiny(bool bidirectional, int layers = 2) {
  NetworkSpec n;
  n.name = "tiny";
  n.cell = CellType::lstm;
  n.input_size = 3;
  n.hidden_size = 4;
  n.num_layers = layers;
  n.bidirectional = bidirectional;
  n.output.size = 2;
  return n;
}

SequenceDescriptor sequence(std::int64_t id, std::int64_t length, std::int64_t padded) {
  SequenceDescriptor d;
  d.id = id;
  d.length = length;
  d.padded_length = padded;
  return d;
}

// Runs one command on the engine; the held bytes after each non-empty pass.
std::vector<std::uint64_t> run(SlotEngine& engine, HeldActivations& held, std::int64_t steps, int first, int last) {
  std::vector<std::uint64_t> out;
  LayerPass pass;
  for (int layer = first; layer <= last; ++layer) {
    engine.run_layer({{}, steps, first, last}, layer, pass);
    if (pass.empty()) continue;
    held.before(pass);
    out.push_back(held.after(0));
  }
  return out;
}

}  // namespace

// Unidirectional, B = 2 slots, a window of N = 2 steps over both layers, fp16 (b = 2). Slot 1's
// sequence has 4 useful steps padded to 5: padded steps are computed, so held too.
//   after the layer-0 pass: N x B x h x b = 2 x 2 x 4 x 2 = 32 B held (layer 1 needs them);
//   after the layer-1 pass: 0 (it read them all; its outputs go to DRAM).
// The same sequences with layer 0 run alone in two commands (steps [0, 2), then [2, 5)):
//   32 B after the first, 5 x 2 x 4 x 2 = 80 B after the second; the second pass reads none
//   of them, so its working set carries the 32 B on top of its own (resident_not_read).
TEST(HeldActivations, UnidirectionalWindowHoldsNTimesBTimesHBetweenLayers) {
  const NetworkSpec net = tiny(false);
  {
    SlotEngine engine(net, 2, 1);
    engine.enqueue(0, sequence(1, 5, 5));
    engine.enqueue(1, sequence(2, 4, 5));
    HeldActivations held(net, 2);
    EXPECT_EQ(run(engine, held, 2, 0, 1), (std::vector<std::uint64_t>{32, 0}));
    EXPECT_EQ(run(engine, held, 2, 0, 1), (std::vector<std::uint64_t>{32, 0}));
    EXPECT_EQ(run(engine, held, 2, 0, 1), (std::vector<std::uint64_t>{16, 0}));  // the last step
    EXPECT_TRUE(engine.idle());
  }
  SlotEngine engine(net, 2, 1);
  engine.enqueue(0, sequence(1, 5, 5));
  engine.enqueue(1, sequence(2, 4, 5));
  HeldActivations held(net, 2);
  EXPECT_EQ(run(engine, held, 2, 0, 0), (std::vector<std::uint64_t>{32}));
  LayerPass pass;
  engine.run_layer({{}, 0, 0, 0}, 0, pass);
  const HeldActivations::Before b = held.before(pass);
  EXPECT_EQ(b.resident_not_read, 32u);
  EXPECT_EQ(b.new_held, 48u);  // 3 steps x 2 slots x 4 x 2
  EXPECT_EQ(held.after(0), 80u);
  engine.run_layer({{}, 0, 1, 1}, 1, pass);
  const HeldActivations::Before c = held.before(pass);
  EXPECT_EQ(c.resident_not_read, 0u);  // all 80 B are the pass's inputs
  EXPECT_EQ(c.new_held, 0u);           // the last layer's outputs are not held
  EXPECT_EQ(held.after(0), 0u);
}

// Bidirectional (concat), one slot, a sequence of 4 steps, N = 2, fp16: each direction's half
// is h x b = 8 B a step, a whole step of layer 0's output 2h x b = 16 B.
//   window 1, layer 0: forward steps [0, 2), backward [2, 4): four halves, 32 B; layer 1 cannot
//            start (the backward direction has not reached step 0): no pass.
//   window 2, layer 0: forward [2, 4), backward [0, 2): all 4 steps whole, 64 B; its working
//            set carries the 32 B of window 1 (it reads none of them);
//            layer 1: forward [0, 2), backward [2, 4) (the input is complete): it reads all
//            4 steps (64 B) but no step is run by both directions yet: still 64 B held.
//   window 3, layer 1: forward [2, 4), backward [0, 2): every step run by both: 0.
TEST(HeldActivations, BidirectionalOutputsWaitForTheNextLayersBackwardDirection) {
  const NetworkSpec net = tiny(true);
  SlotEngine engine(net, 1, 1);
  engine.enqueue(0, sequence(7, 4, 4));
  HeldActivations held(net, 2);
  EXPECT_EQ(run(engine, held, 2, 0, 1), (std::vector<std::uint64_t>{32}));
  LayerPass pass;
  engine.run_layer({{}, 2, 0, 1}, 0, pass);
  EXPECT_EQ(held.before(pass).resident_not_read, 32u);
  EXPECT_EQ(held.after(0), 64u);
  engine.run_layer({{}, 2, 0, 1}, 1, pass);
  const HeldActivations::Before b = held.before(pass);
  EXPECT_EQ(b.resident_not_read, 0u);
  EXPECT_EQ(held.after(0), 64u);
  EXPECT_EQ(run(engine, held, 2, 0, 1), (std::vector<std::uint64_t>{0}));
  EXPECT_TRUE(engine.idle());
}

// E-PUR, fp16, the unidirectional sequences above, commands: layer 0 steps [0, 2) (pass A),
// layer 0 steps [2, 5) (B), layer 1 whole (C). Working sets (hw/onchip.h; g x h = 16):
//   A: rows 4: wx 4 x 16 x 2 = 128, states 2 slots x 4 x 2 x 2 = 32, outputs 4 x 4 x 2 = 32:
//      192 B; nothing held before it.
//   B: rows 6: wx 192, states 32, outputs 48: own 272 B + 32 B held (A's, not read by B) = 304.
//   C: rows 10: inputs 10 x 4 x 2 = 80, wx 320, states 32, outputs 80 + 10 rows x 2 x 2 = 40:
//      552 B; it reads all 80 held bytes (its inputs): 552.
// intermediate_memory 250 B, spill: dram:
//   A fits. B: excess 304 - 250 = 54 B, taken from B's 48 B of new held outputs (written now,
//   read back by C) and 6 B written and read back within B. C: excess 302 B, the last layer
//   (nothing held to spill): written and read within C; C also reads back the 48 B B spilled.
//   Written 54 + 302 = 356 B = read 6 + (302 + 48) = 356 B: every spilled byte read once.
TEST(HeldActivations, EpurSpillsHeldOutputsOnceAndTheConsumerReadsThemBack) {
  const NetworkSpec net = tiny(false);
  auto plans = [&](const std::string& capacity, const std::string& mode) {
    const HardwareConfig hw =
        load_hardware_config(repo_path("configs/hw/epur.yaml"), {{"intermediate_memory", capacity}, {"spill", mode}});
    EpurPlanner planner(hw, net);
    SlotEngine engine(net, 2, 1);
    engine.enqueue(0, sequence(1, 5, 5));
    engine.enqueue(1, sequence(2, 4, 5));
    std::vector<PassPlan> out(3);
    LayerPass pass;
    engine.run_layer({{}, 2, 0, 0}, 0, pass);
    planner.plan(pass, out[0]);
    engine.run_layer({{}, 0, 0, 0}, 0, pass);
    planner.plan(pass, out[1]);
    engine.run_layer({{}, 0, 1, 1}, 1, pass);
    planner.plan(pass, out[2]);
    return out;
  };
  const std::vector<PassPlan> roomy = plans("6 MiB", "ignore");
  EXPECT_EQ(roomy[0].onchip[0].working_set, 192u);
  EXPECT_EQ(roomy[1].onchip[0].working_set, 304u);
  EXPECT_EQ(roomy[1].onchip[0].held_in_working_set, 32u);
  EXPECT_EQ(roomy[2].onchip[0].working_set, 552u);
  EXPECT_EQ(roomy[0].onchip[0].held_bytes, 32u);
  EXPECT_EQ(roomy[1].onchip[0].held_bytes, 80u);
  EXPECT_EQ(roomy[2].onchip[0].held_bytes, 0u);
  for (const PassPlan& p : roomy) EXPECT_EQ(p.onchip[0].spill_bytes + p.onchip[0].spill_read_bytes, 0u);

  const std::vector<PassPlan> small = plans("250 B", "dram");
  const std::uint64_t written[] = {0, 54, 302}, read[] = {0, 6, 350};
  std::uint64_t phase_written = 0, phase_read = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(small[std::size_t(i)].onchip[0].spill_bytes, written[i]) << "pass " << i;
    EXPECT_EQ(small[std::size_t(i)].onchip[0].spill_read_bytes, read[i]) << "pass " << i;
    for (const PlanPhase& ph : small[std::size_t(i)].phases) {
      if (ph.kind == PlanPhase::Kind::spill_write) phase_written += ph.bytes;
      if (ph.kind == PlanPhase::Kind::spill_read) phase_read += ph.bytes;
    }
  }
  EXPECT_EQ(phase_written, 356u);
  EXPECT_EQ(phase_read, 356u);
  // B's working set is not reduced by the spill (it is what the pass needs): 304.
  EXPECT_EQ(small[1].onchip[0].working_set, 304u);
}

// reject: B (304 B against 290 B) fails, the message names the memory, the bytes, the held
// share and the capacity; A (192 B) passed.
TEST(HeldActivations, RejectNamesTheHeldBytes) {
  const NetworkSpec net = tiny(false);
  const Experiment e = load_experiment(repo_path("configs/experiments/default.yaml"));
  const HardwareConfig hw =
      load_hardware_config(repo_path("configs/hw/epur.yaml"), {{"intermediate_memory", "290 B"}, {"spill", "reject"}});
  EpurEstimator est(hw, net, e.energy);
  SlotEngine engine(net, 2, 1);
  engine.enqueue(0, sequence(1, 5, 5));
  engine.enqueue(1, sequence(2, 4, 5));
  LayerPass pass;
  engine.run_layer({{}, 2, 0, 0}, 0, pass);
  EXPECT_NO_THROW(est.estimate(pass));
  engine.run_layer({{}, 0, 0, 0}, 0, pass);
  try {
    est.estimate(pass);
    FAIL() << "no CapacityError";
  } catch (const CapacityError& error) {
    const std::string m = error.what();
    EXPECT_NE(m.find("intermediate_memory: a layer pass needs 304 B (304 B) on chip, 32 B of them activations held "
                     "for later passes, capacity 290 B (290 B)"),
              std::string::npos)
        << m;
  }
}

// The tuner's estimator under hardware.spill: dram (EESEN on E-PUR, B = 8, the real 6 MiB
// intermediate memory, 12 pilot requests): bidirectional E-BATCH holds whole utterances of
// layer outputs between passes (about 2 x 320 x 2 B a step, hundreds of steps, per slot and
// layer), far beyond 6 MiB. A pass's own working set at N = 16 fits (docs/ARCHITECTURE.md:
// 3.6 MiB at the tuned N), so without the held activations N = 16 spilled nothing and was
// free; now every window pays for the spill of what it keeps (here 4.2 ms at N = 16 and
// 4.1 ms at N = 128, under 5% of the makespan: spilled once, not pass after pass), and the
// tuner sees it.
TEST(HeldActivations, TunerPricesTheSpillOfHeldActivations) {
  Experiment e = load_experiment(repo_path("configs/experiments/default.yaml"),
                                 {{"policy.window_steps", "auto"}, {"workload.requests", "12"}});
  const std::vector<Request> pilot = pilot_requests(generate_requests(e.workload));
  auto makespan = [&](SpillMode mode, int n) {
    e.hardware.spill = mode;
    EpurEstimator est(e.hardware, e.network, e.energy);
    return estimate_window(e, pilot, n, est).makespan_s;
  };
  for (int n : {16, 128}) {
    const double ignore = makespan(SpillMode::ignore, n), dram = makespan(SpillMode::dram, n);
    EXPECT_GT(dram - ignore, 1e-3 * 0.1) << "N = " << n << ": " << ignore << " s vs " << dram << " s";
    EXPECT_LT(dram - ignore, 0.05 * ignore) << "N = " << n << ": spilled once, not per pass";
  }
}

// Hand-worked: unidirectional, one slot holding two sequences back to back (2 and 3 steps),
// h = 4, fp16: a step of layer 0's output is 8 B. One window of N = 5 over layers 0-1:
//   layer 0: both sequences' 5 steps produced, held for layer 1: 40 B;
//   layer 1: reads all 5 (both entries released together: 0 B of layer 0), produces 5 steps
//            for layer 2: 40 B.
TEST(HeldActivations, TwoSequencesInOneSlotReleasedInOnePass) {
  const NetworkSpec net = tiny(false, 3);
  SlotEngine engine(net, 1, 2);
  SequenceDescriptor a, b;
  a.id = 1, a.length = a.padded_length = 2;
  b.id = 2, b.length = b.padded_length = 3;
  engine.enqueue(0, a);
  engine.enqueue(0, b);
  HeldActivations held(net, 2);
  LayerPass pass;
  std::vector<std::uint64_t> after;
  for (int layer = 0; layer <= 1; ++layer) {
    engine.run_layer({{}, 5, 0, 1}, layer, pass);
    ASSERT_EQ(pass.forward.size(), 2u);
    held.before(pass);
    after.push_back(held.after(0));
    EXPECT_EQ(held.recount().held, held.held_bytes());
  }
  EXPECT_EQ(after, (std::vector<std::uint64_t>{40, 40}));
}

// Random windows, cells and spills on both directions: after every pass the running totals
// equal a rescan of the entries.
TEST(HeldActivations, RunningTotalsEqualARescan) {
  for (const bool bidirectional : {false, true}) {
    const NetworkSpec net = tiny(bidirectional, 3);
    std::mt19937 rng(bidirectional ? 7 : 8);
    SlotEngine engine(net, 4, 3);
    HeldActivations held(net, 2);
    std::int64_t next_id = 1;
    LayerPass pass;
    int passes = 0;
    for (int round = 0; round < 400; ++round) {
      for (int s = 0; s < 4; ++s)
        while (engine.queued(s) < 3 && rng() % 3 == 0) {
          SequenceDescriptor d;
          d.id = next_id++;
          d.length = 1 + std::int64_t(rng() % 9);
          d.padded_length = d.length + std::int64_t(rng() % 2);
          engine.enqueue(s, d);
        }
      SlotEngine::Command cmd;
      cmd.steps = 1 + std::int64_t(rng() % 6);
      if (rng() % 2) {
        cmd.slot_mask.assign(4, 0);
        cmd.slot_mask[rng() % 4] = 1;
        cmd.slot_mask[rng() % 4] = 1;
      }
      for (int layer = 0; layer < net.num_layers; ++layer) {
        engine.run_layer(cmd, layer, pass);
        if (pass.empty()) continue;
        const HeldActivations::Before b = held.before(pass);
        held.after(b.new_held ? std::uint64_t(rng() % (b.new_held + 1)) : 0);
        const HeldActivations::Recount r = held.recount();
        ASSERT_EQ(r.held, held.held_bytes()) << "pass " << passes;
        ASSERT_EQ(r.spilled, held.spilled_bytes()) << "pass " << passes;
        ++passes;
      }
      engine.take_completions();
    }
    EXPECT_GT(passes, 500);
  }
}
