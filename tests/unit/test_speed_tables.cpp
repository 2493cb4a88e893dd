// The simulator-speed tables of issue 13 (no result change): EpurCostModel's memoised
// direction costs against the uncached closed form and a step-by-step reference (the
// running totals of HeldActivations are checked in test_held_activations.cpp). Kernel-free.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/epur/epur_cost.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::repo_path;

Experiment eesen() {
  return load_experiment(repo_path("configs/experiments/default.yaml"),
                         {{"policy", "{kind: none}"}, {"workload.requests", "1"}});
}

Segment segment(int slot, std::int64_t id, std::int64_t begin, std::int64_t end, std::int64_t offset) {
  Segment s;
  s.slot = slot;
  s.sequence.id = id;
  s.sequence.length = s.sequence.padded_length = end;
  s.begin = begin;
  s.end = end;
  s.window_offset = offset;
  s.useful_steps = end - begin;
  return s;
}

// The recurrence as the cost model summed it before the tables: step by step over the span.
struct StepByStep {
  std::uint64_t recurrent_cycles = 0, overlap_cycles = 0;
  double wb_recurrent_bytes = 0;
};
StepByStep step_by_step(const EpurCostModel& m, const std::vector<Segment>& segments, std::int64_t span) {
  StepByStep r;
  std::vector<int> active(std::size_t(span) + 1, 0);
  for (const auto& s : segments) {
    active[std::size_t(s.window_offset)] += 1;
    active[std::size_t(s.window_offset + (s.end - s.begin))] -= 1;
  }
  int b = 0;
  for (std::int64_t t = 0; t < span; ++t) {
    b += active[std::size_t(t)];
    if (b == 0) continue;
    const std::uint64_t step = m.recurrent_step_cycles(b);
    if (r.recurrent_cycles == 0) r.overlap_cycles = step;
    r.recurrent_cycles += step;
    // EESEN fp16 on the shipped E-PUR: 4 CUs x 320 rows x 320 x 2 B per weight fetch, one
    // fetch per 12 vectors (8 KiB input buffer / 640 B).
    r.wb_recurrent_bytes += 4.0 * 320 * 320 * 2 * double((b + 11) / 12);
  }
  return r;
}

// Hand-worked (EESEN layer 1, I = 640, H = 320, 4 CUs, w = 16, one lane, fp16, 8 KiB input
// buffers): 3 slots x 2 steps, every segment from lockstep step 0 (rectangular: memoised).
//   input half: 6 rows x 320 x ceil(640/16) = 76,800 + 6 latency = 76,806 cycles;
//   one recurrent step, 3 active: max(3 x 320 x 20, 3 x 320 x 3) + 6 + ceil(3 x 320 x 5 / 4)
//     = 19,200 + 6 + 1,200 = 20,406; two steps 40,812; the first (20,406) reads U as it arrives;
//   MACs 6 x 1280 x (640 + 320) = 7,372,800;
//   weight-buffer reads: input half 4 x 320 x 640 x 2 x ceil(6 / 6) = 1,638,400 B, each step
//     4 x 320 x 320 x 2 x ceil(3 / 12) = 819,200 B, total 3,276,800 B.
TEST(SpeedTables, RectangularDirectionByHandCachedAndUncached) {
  const Experiment e = eesen();
  const EpurCostModel model(e.hardware, e.network);
  const std::vector<Segment> segs = {segment(0, 10, 0, 2, 0), segment(1, 11, 0, 2, 0), segment(2, 12, 0, 2, 0)};
  const DirectionCost uncached = model.direction_cost(1, segs, 2, 0, false);
  EXPECT_EQ(uncached.input_half_cycles, 76806u);
  EXPECT_EQ(uncached.recurrent_cycles, 40812u);
  EXPECT_EQ(uncached.overlap_cycles, 20406u);
  EXPECT_DOUBLE_EQ(uncached.macs, 7372800.0);
  EXPECT_DOUBLE_EQ(uncached.wb_read_bytes, 3276800.0);
  const DirectionCost first = model.direction_cost(1, segs, 2, 0);   // fills the memo
  const DirectionCost second = model.direction_cost(1, segs, 2, 0);  // reads it
  EXPECT_TRUE(first == uncached);
  EXPECT_TRUE(second == uncached);
}

// Hand-worked, not rectangular (slot 0 runs 3 steps, slot 1 one): runs of 1 step with 2
// active and 2 steps with 1: 2 x 320 x 20 + 6 + ceil(2 x 320 x 5 / 4) = 12,800 + 6 + 800 =
// 13,606, then 6,400 + 6 + 400 = 6,806 twice: 27,218 cycles; the first step 13,606.
TEST(SpeedTables, RunsOfEqualActiveCountsByHand) {
  const Experiment e = eesen();
  const EpurCostModel model(e.hardware, e.network);
  const std::vector<Segment> segs = {segment(0, 1, 0, 3, 0), segment(1, 2, 0, 1, 0)};
  const DirectionCost c = model.direction_cost(1, segs, 3, 0);
  EXPECT_EQ(c.recurrent_cycles, 27218u);
  EXPECT_EQ(c.overlap_cycles, 13606u);
  EXPECT_TRUE(c == model.direction_cost(1, segs, 3, 0, false));
}

// Random shapes (rectangular and not, concatenated segments starting later in the window,
// gaps with no active slot): the memoised cost equals the uncached closed form, call after
// call (memo hits and collisions), and the recurrence equals the step-by-step sum.
TEST(SpeedTables, CachedDirectionCostEqualsUncachedOnRandomShapes) {
  const Experiment e = eesen();
  const EpurCostModel model(e.hardware, e.network);
  std::mt19937 rng(1234);
  int rectangular = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int layer = int(rng() % 4);
    const int slots = 1 + int(rng() % 12);
    const std::int64_t span = 1 + std::int64_t(rng() % (trial % 3 == 0 ? 3 : 70));
    std::vector<Segment> segs;
    const bool full = rng() % 2;
    for (int s = 0; s < slots; ++s) {
      if (full) {
        segs.push_back(segment(s, s, 0, span, 0));
        continue;
      }
      std::int64_t at = std::int64_t(rng() % 3 == 0 ? rng() % std::uint64_t(span) : 0);
      while (at < span) {
        const std::int64_t len = 1 + std::int64_t(rng() % std::uint64_t(span - at));
        segs.push_back(segment(s, 100 * s + at, 0, len, at));
        at += len + std::int64_t(rng() % 2);
        if (rng() % 2) break;
      }
    }
    const std::uint64_t overflow = trial % 5 == 0 ? 4096 : 0;
    const DirectionCost cached = model.direction_cost(layer, segs, span, overflow);
    const DirectionCost again = model.direction_cost(layer, segs, span, overflow);
    const DirectionCost uncached = model.direction_cost(layer, segs, span, overflow, false);
    ASSERT_TRUE(cached == uncached) << "trial " << trial;
    ASSERT_TRUE(again == uncached) << "trial " << trial;
    const StepByStep ref = step_by_step(model, segs, span);
    ASSERT_EQ(uncached.recurrent_cycles, ref.recurrent_cycles) << "trial " << trial;
    ASSERT_EQ(uncached.overlap_cycles, ref.overlap_cycles) << "trial " << trial;
    std::int64_t rows = 0;
    for (const auto& s : segs) rows += s.end - s.begin;
    const double input_half_wb = 4.0 * 320 * double(e.network.layer_input_size(layer)) * 2 *
                                 double((rows + (8192 / (e.network.layer_input_size(layer) * 2)) - 1) /
                                        (8192 / (e.network.layer_input_size(layer) * 2)));
    ASSERT_DOUBLE_EQ(uncached.wb_read_bytes, input_half_wb + ref.wb_recurrent_bytes) << "trial " << trial;
    rectangular += full;
  }
  EXPECT_GT(rectangular, 1000);
}

}  // namespace
}  // namespace ebatch
