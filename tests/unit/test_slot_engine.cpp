// SlotEngine (hw/contract/slot_engine.h), kernel-free: slot queues, concatenation,
// windows, padding, completions, layer ordering and bidirectional layers.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include "hw/contract/slot_engine.h"

namespace ebatch {
namespace {

NetworkSpec uni_net(int layers) {
  NetworkSpec n;
  n.name = "uni";
  n.cell = CellType::lstm;
  n.input_size = 3;
  n.hidden_size = 4;
  n.num_layers = layers;
  n.bidirectional = false;
  return n;
}

NetworkSpec bi_net(int layers) {
  NetworkSpec n = uni_net(layers);
  n.name = "bi";
  n.bidirectional = true;
  return n;
}

SequenceDescriptor seq(std::int64_t id, std::int64_t length, std::int64_t padded = 0) {
  SequenceDescriptor d;
  d.id = id;
  d.length = length;
  d.padded_length = padded ? padded : length;
  d.input_address = 0x1000 * std::uint64_t(id + 1);
  d.output_address = 0x100000 + 0x1000 * std::uint64_t(id + 1);
  return d;
}

SlotEngine::Command window(std::int64_t steps, std::vector<std::uint8_t> mask = {}) {
  SlotEngine::Command c;
  c.steps = steps;
  c.slot_mask = std::move(mask);
  return c;
}

// Runs every layer of `cmd` in order; returns the passes.
std::vector<LayerPass> run_all(SlotEngine& e, const NetworkSpec& net, const SlotEngine::Command& cmd) {
  std::vector<LayerPass> passes(std::size_t(net.num_layers));
  for (int l = 0; l < net.num_layers; ++l) e.run_layer(cmd, l, passes[std::size_t(l)]);
  return passes;
}

std::int64_t seg_len(const Segment& s) { return s.end - s.begin; }

void expect_segment(const Segment& s, int slot, std::int64_t id, std::int64_t begin, std::int64_t end,
                    std::int64_t offset, std::int64_t useful, bool resets) {
  EXPECT_EQ(s.slot, slot);
  EXPECT_EQ(s.sequence.id, id);
  EXPECT_EQ(s.begin, begin);
  EXPECT_EQ(s.end, end);
  EXPECT_EQ(s.window_offset, offset);
  EXPECT_EQ(s.useful_steps, useful);
  EXPECT_EQ(s.resets_state, resets);
}

TEST(SlotEngine, ConstructionAndQueueDepth) {
  EXPECT_THROW(SlotEngine(uni_net(1), 0, 1), std::invalid_argument);
  EXPECT_THROW(SlotEngine(uni_net(1), 1, 0), std::invalid_argument);
  SlotEngine e(uni_net(2), 3, 2);
  EXPECT_EQ(e.slots(), 3);
  EXPECT_EQ(e.queue_depth(), 2);
  EXPECT_TRUE(e.idle());
  EXPECT_TRUE(e.enqueue(1, seq(0, 5)));
  EXPECT_FALSE(e.idle());
  EXPECT_TRUE(e.enqueue(1, seq(1, 5)));
  EXPECT_FALSE(e.enqueue(1, seq(2, 5))) << "a third sequence exceeds queue depth 2";
  EXPECT_EQ(e.queued(1), 2);
  EXPECT_EQ(e.queued(0), 0);
  EXPECT_EQ(e.queued(2), 0);
  EXPECT_TRUE(e.enqueue(0, seq(3, 5)));
  EXPECT_EQ(e.queued(0), 1);
  // Bad descriptors.
  EXPECT_THROW(e.enqueue(2, seq(4, 0)), std::invalid_argument);
  EXPECT_THROW(e.enqueue(2, seq(5, 4, 3)), std::invalid_argument);
  EXPECT_EQ(e.queued(2), 0);
}

TEST(SlotEngine, EmptyEngineProducesEmptyPasses) {
  const NetworkSpec net = bi_net(2);
  SlotEngine e(net, 2, 1);
  for (int l = 0; l < net.num_layers; ++l) {
    LayerPass p;
    p.output_rows = 99;  // must be reset
    e.run_layer(window(4), l, p);
    EXPECT_TRUE(p.empty());
    EXPECT_EQ(p.layer, l);
    EXPECT_EQ(p.forward_span, 0);
    EXPECT_EQ(p.backward_span, 0);
    EXPECT_EQ(p.output_rows, 0);
  }
  EXPECT_TRUE(e.take_completions().empty());
  EXPECT_TRUE(e.idle());
  EXPECT_EQ(e.available(0, 0), 0);
}

TEST(SlotEngine, SingleSlotWholeSequence) {
  const NetworkSpec net = uni_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(7, 5)));
  LayerPass p0, p1;
  e.run_layer(window(0), 0, p0);
  ASSERT_EQ(p0.forward.size(), 1u);
  EXPECT_TRUE(p0.backward.empty());
  expect_segment(p0.forward[0], 0, 7, 0, 5, 0, 5, true);
  EXPECT_EQ(p0.forward_span, 5);
  EXPECT_EQ(p0.output_rows, 0) << "not the last layer";
  EXPECT_EQ(e.available(0, 0), 5);
  EXPECT_EQ(e.available(0, 1), 0);
  EXPECT_TRUE(e.take_completions().empty()) << "completes only after the last layer";
  e.run_layer(window(0), 1, p1);
  ASSERT_EQ(p1.forward.size(), 1u);
  expect_segment(p1.forward[0], 0, 7, 0, 5, 0, 5, true);
  EXPECT_EQ(p1.output_rows, 5);
  const auto done = e.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].slot, 0);
  EXPECT_EQ(done[0].descriptor.id, 7);
  EXPECT_EQ(done[0].descriptor.input_address, seq(7, 5).input_address);
  EXPECT_EQ(done[0].descriptor.output_address, seq(7, 5).output_address);
  EXPECT_TRUE(e.idle());
  EXPECT_TRUE(e.take_completions().empty()) << "take_completions removes them";
}

TEST(SlotEngine, WindowsSplitASequenceAndResetOnlyAtItsStart) {
  // Length 7, N = 3: windows [0,3) [3,6) [6,7); the last window is shorter than N.
  const NetworkSpec net = uni_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 7)));
  const std::int64_t begins[] = {0, 3, 6}, ends[] = {3, 6, 7};
  for (int w = 0; w < 3; ++w) {
    const auto passes = run_all(e, net, window(3));
    for (const auto& p : passes) {
      ASSERT_EQ(p.forward.size(), 1u) << "window " << w << " layer " << p.layer;
      expect_segment(p.forward[0], 0, 1, begins[w], ends[w], 0, ends[w] - begins[w], w == 0);
      EXPECT_EQ(p.forward_span, ends[w] - begins[w]);
    }
    EXPECT_EQ(passes[1].output_rows, ends[w] - begins[w]);
    const auto done = e.take_completions();
    EXPECT_EQ(done.size(), w == 2 ? 1u : 0u) << "window " << w;
  }
  EXPECT_TRUE(e.idle());
}

TEST(SlotEngine, SequenceEndingExactlyAtAWindowEdge) {
  const NetworkSpec net = uni_net(3);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 6)));
  auto passes = run_all(e, net, window(3));
  EXPECT_TRUE(e.take_completions().empty());
  passes = run_all(e, net, window(3));
  for (const auto& p : passes) {
    ASSERT_EQ(p.forward.size(), 1u);
    EXPECT_EQ(p.forward[0].end, 6);
  }
  const auto done = e.take_completions();
  ASSERT_EQ(done.size(), 1u) << "completes in the window that reaches its last step";
  EXPECT_TRUE(e.idle());
  passes = run_all(e, net, window(3));
  for (const auto& p : passes) EXPECT_TRUE(p.empty());
}

TEST(SlotEngine, SequenceShorterThanAWindow) {
  const NetworkSpec net = uni_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 2)));
  const auto passes = run_all(e, net, window(10));
  for (const auto& p : passes) {
    ASSERT_EQ(p.forward.size(), 1u);
    expect_segment(p.forward[0], 0, 1, 0, 2, 0, 2, true);
    EXPECT_EQ(p.forward_span, 2) << "the span is the work there is, not N";
  }
  EXPECT_EQ(e.take_completions().size(), 1u);
}

TEST(SlotEngine, WindowOfOneStep) {
  const NetworkSpec net = uni_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 3)));
  for (int w = 0; w < 3; ++w) {
    const auto passes = run_all(e, net, window(1));
    for (const auto& p : passes) {
      ASSERT_EQ(p.forward.size(), 1u);
      expect_segment(p.forward[0], 0, 1, w, w + 1, 0, 1, w == 0);
    }
    EXPECT_EQ(passes[1].output_rows, 1);
    EXPECT_EQ(e.take_completions().size(), w == 2 ? 1u : 0u);
  }
}

TEST(SlotEngine, ConcatenationBackToBackInOneWindow) {
  // Slot queue: A (3 steps) then B (4 steps); N = 5 > len(A): A then two steps of B.
  const NetworkSpec net = uni_net(2);
  SlotEngine e(net, 1, 2);
  ASSERT_TRUE(e.enqueue(0, seq(10, 3)));
  ASSERT_TRUE(e.enqueue(0, seq(11, 4)));
  auto passes = run_all(e, net, window(5));
  for (const auto& p : passes) {
    ASSERT_EQ(p.forward.size(), 2u);
    expect_segment(p.forward[0], 0, 10, 0, 3, 0, 3, true);
    expect_segment(p.forward[1], 0, 11, 0, 2, 3, 2, true);
    EXPECT_EQ(p.forward_span, 5);
  }
  EXPECT_EQ(passes[1].output_rows, 5);
  auto done = e.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].descriptor.id, 10);
  EXPECT_EQ(e.queued(0), 1);
  // Room for one more behind B.
  ASSERT_TRUE(e.enqueue(0, seq(12, 1)));
  EXPECT_FALSE(e.enqueue(0, seq(13, 1)));
  passes = run_all(e, net, window(5));
  for (const auto& p : passes) {
    ASSERT_EQ(p.forward.size(), 2u);
    expect_segment(p.forward[0], 0, 11, 2, 4, 0, 2, false);
    expect_segment(p.forward[1], 0, 12, 0, 1, 2, 1, true);
    EXPECT_EQ(p.forward_span, 3);
  }
  EXPECT_EQ(passes[1].output_rows, 3);
  done = e.take_completions();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].descriptor.id, 11);
  EXPECT_EQ(done[1].descriptor.id, 12);
  EXPECT_TRUE(e.idle());
}

TEST(SlotEngine, PaddedStepsAreComputedButNotUseful) {
  const NetworkSpec net = uni_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 3, 5)));
  // N = 2: [0,2) useful 2, [2,4) useful 1, [4,5) useful 0.
  const std::int64_t useful[] = {2, 1, 0};
  std::int64_t rows = 0;
  for (int w = 0; w < 3; ++w) {
    const auto passes = run_all(e, net, window(2));
    for (const auto& p : passes) {
      ASSERT_EQ(p.forward.size(), 1u);
      EXPECT_EQ(p.forward[0].begin, 2 * w);
      EXPECT_EQ(p.forward[0].end, std::min<std::int64_t>(5, 2 * w + 2));
      EXPECT_EQ(p.forward[0].useful_steps, useful[w]);
      EXPECT_EQ(p.forward[0].sequence.length, 3);
      EXPECT_EQ(p.forward[0].sequence.padded_length, 5);
    }
    rows += passes[1].output_rows;
    EXPECT_EQ(e.take_completions().size(), w == 2 ? 1u : 0u) << "completes after its padded steps";
  }
  EXPECT_EQ(rows, 5) << "padding is real work: every computed row reaches the output layer";
}

TEST(SlotEngine, CompletionsOnlyAfterLastLayerInFifoOrder) {
  const NetworkSpec net = uni_net(3);
  SlotEngine e(net, 2, 3);
  // Slot 0: ids 0 (2 steps), 1 (1 step), 2 (4 steps); slot 1: id 3 (2 steps).
  ASSERT_TRUE(e.enqueue(0, seq(0, 2)));
  ASSERT_TRUE(e.enqueue(0, seq(1, 1)));
  ASSERT_TRUE(e.enqueue(0, seq(2, 4)));
  ASSERT_TRUE(e.enqueue(1, seq(3, 2)));
  LayerPass p;
  const auto cmd = window(3);
  e.run_layer(cmd, 0, p);
  e.run_layer(cmd, 1, p);
  EXPECT_TRUE(e.take_completions().empty());
  e.run_layer(cmd, 2, p);
  auto done = e.take_completions();
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].slot, 0);
  EXPECT_EQ(done[0].descriptor.id, 0);
  EXPECT_EQ(done[1].slot, 0);
  EXPECT_EQ(done[1].descriptor.id, 1);
  EXPECT_EQ(done[2].slot, 1);
  EXPECT_EQ(done[2].descriptor.id, 3);
  EXPECT_EQ(e.queued(0), 1);
  EXPECT_EQ(e.queued(1), 0);
  run_all(e, net, cmd);
  run_all(e, net, cmd);
  done = e.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].descriptor.id, 2);
  EXPECT_TRUE(e.idle());
}

TEST(SlotEngine, LayerNeverAheadOfTheLayerBelow) {
  const NetworkSpec net = uni_net(3);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 10)));
  LayerPass p;
  e.run_layer(window(0), 1, p);
  EXPECT_TRUE(p.empty()) << "layer 1 has no input before layer 0 ran";
  e.run_layer(window(4), 0, p);
  EXPECT_EQ(e.available(0, 0), 4);
  e.run_layer(window(0), 1, p);
  ASSERT_EQ(p.forward.size(), 1u);
  EXPECT_EQ(p.forward[0].end, 4) << "layer 1 stops where layer 0 stopped";
  e.run_layer(window(0), 2, p);
  ASSERT_EQ(p.forward.size(), 1u);
  EXPECT_EQ(p.forward[0].end, 4);
  e.run_layer(window(3), 0, p);
  e.run_layer(window(2), 1, p);  // layer 1 behind layer 0
  EXPECT_EQ(e.available(0, 0), 7);
  EXPECT_EQ(e.available(0, 1), 6);
  e.run_layer(window(0), 2, p);
  ASSERT_EQ(p.forward.size(), 1u);
  EXPECT_EQ(p.forward[0].begin, 4);
  EXPECT_EQ(p.forward[0].end, 6);
  EXPECT_FALSE(p.forward[0].resets_state);
  EXPECT_EQ(p.output_rows, 2);
}

TEST(SlotEngine, SlotMaskLeavesOtherSlotsUntouched) {
  const NetworkSpec net = uni_net(1);
  SlotEngine e(net, 3, 1);
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(e.enqueue(s, seq(s, 4)));
  LayerPass p;
  e.run_layer(window(2, {1, 0, 1}), 0, p);
  ASSERT_EQ(p.forward.size(), 2u);
  EXPECT_EQ(p.forward[0].slot, 0);
  EXPECT_EQ(p.forward[1].slot, 2);
  EXPECT_EQ(p.forward_span, 2);
  EXPECT_EQ(p.output_rows, 4);
  EXPECT_EQ(e.available(0, 0), 2);
  EXPECT_EQ(e.available(1, 0), 0);
  EXPECT_EQ(e.available(2, 0), 2);
}

TEST(SlotEngine, LockstepSpanIsTheLongestSlot) {
  const NetworkSpec net = uni_net(1);
  SlotEngine e(net, 3, 1);
  ASSERT_TRUE(e.enqueue(0, seq(0, 2)));
  ASSERT_TRUE(e.enqueue(1, seq(1, 6)));
  ASSERT_TRUE(e.enqueue(2, seq(2, 4)));
  LayerPass p;
  e.run_layer(window(5), 0, p);
  ASSERT_EQ(p.forward.size(), 3u);
  EXPECT_EQ(seg_len(p.forward[0]), 2);
  EXPECT_EQ(seg_len(p.forward[1]), 5);
  EXPECT_EQ(seg_len(p.forward[2]), 4);
  EXPECT_EQ(p.forward_span, 5);
  EXPECT_EQ(p.output_rows, 2 + 5 + 4);
  const auto done = e.take_completions();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].descriptor.id, 0);
  EXPECT_EQ(done[1].descriptor.id, 2);
}

TEST(SlotEngine, BidirectionalBackwardWaitsForTheWholeInput) {
  // Two bidirectional layers, length 5, N = 2.
  const NetworkSpec net = bi_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 5)));
  struct Range {
    std::int64_t begin, end;
  };
  // Layer 0 (its input is all there): forward from the start, backward from the end.
  const Range fwd[] = {{0, 2}, {2, 4}, {4, 5}}, bwd[] = {{3, 5}, {1, 3}, {0, 1}};
  for (int w = 0; w < 3; ++w) {
    LayerPass p0, p1;
    e.run_layer(window(2), 0, p0);
    ASSERT_EQ(p0.forward.size(), 1u);
    ASSERT_EQ(p0.backward.size(), 1u);
    expect_segment(p0.forward[0], 0, 1, fwd[w].begin, fwd[w].end, 0, fwd[w].end - fwd[w].begin, w == 0);
    expect_segment(p0.backward[0], 0, 1, bwd[w].begin, bwd[w].end, 0, bwd[w].end - bwd[w].begin, w == 0);
    EXPECT_EQ(p0.backward_span, bwd[w].end - bwd[w].begin);
    // Layer 0's output of a step needs both directions: nothing before the end.
    EXPECT_EQ(e.available(0, 0), w == 2 ? 5 : 0);
    e.run_layer(window(2), 1, p1);
    if (w < 2) {
      EXPECT_TRUE(p1.backward.empty()) << "backward of layer 1 before layer 0 produced the whole sequence";
      EXPECT_TRUE(p1.empty());
    } else {
      ASSERT_EQ(p1.forward.size(), 1u);
      ASSERT_EQ(p1.backward.size(), 1u);
      expect_segment(p1.forward[0], 0, 1, 0, 2, 0, 2, true);
      expect_segment(p1.backward[0], 0, 1, 3, 5, 0, 2, true);
      EXPECT_EQ(p1.output_rows, 0) << "no step of the last layer is final before its backward pass ends";
    }
    EXPECT_TRUE(e.take_completions().empty());
  }
  for (int w = 0; w < 2; ++w) {
    LayerPass p0, p1;
    e.run_layer(window(2), 0, p0);
    EXPECT_TRUE(p0.empty());
    e.run_layer(window(2), 1, p1);
    ASSERT_EQ(p1.forward.size(), 1u);
    ASSERT_EQ(p1.backward.size(), 1u);
    EXPECT_FALSE(p1.forward[0].resets_state);
    EXPECT_FALSE(p1.backward[0].resets_state);
    if (w == 0) {
      EXPECT_EQ(p1.backward[0].begin, 1);
      EXPECT_EQ(p1.backward[0].end, 3);
      EXPECT_EQ(p1.output_rows, 0);
      EXPECT_TRUE(e.take_completions().empty());
    } else {
      EXPECT_EQ(p1.forward[0].begin, 4);
      EXPECT_EQ(p1.forward[0].end, 5);
      EXPECT_EQ(p1.backward[0].begin, 0);
      EXPECT_EQ(p1.backward[0].end, 1);
      EXPECT_EQ(p1.output_rows, 5);
      EXPECT_EQ(e.take_completions().size(), 1u);
    }
  }
  EXPECT_TRUE(e.idle());
}

TEST(SlotEngine, BidirectionalConcatenatedSequencesEachResetBothDirections) {
  const NetworkSpec net = bi_net(1);
  SlotEngine e(net, 1, 2);
  ASSERT_TRUE(e.enqueue(0, seq(1, 2)));
  ASSERT_TRUE(e.enqueue(0, seq(2, 3)));
  LayerPass p;
  e.run_layer(window(4), 0, p);
  ASSERT_EQ(p.forward.size(), 2u);
  ASSERT_EQ(p.backward.size(), 2u);
  expect_segment(p.forward[0], 0, 1, 0, 2, 0, 2, true);
  expect_segment(p.forward[1], 0, 2, 0, 2, 2, 2, true);
  expect_segment(p.backward[0], 0, 1, 0, 2, 0, 2, true);
  expect_segment(p.backward[1], 0, 2, 1, 3, 2, 2, true);
  EXPECT_EQ(p.output_rows, 2) << "only sequence 1 has both directions of its steps";
  auto done = e.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].descriptor.id, 1);
  e.run_layer(window(4), 0, p);
  ASSERT_EQ(p.forward.size(), 1u);
  ASSERT_EQ(p.backward.size(), 1u);
  expect_segment(p.forward[0], 0, 2, 2, 3, 0, 1, false);
  expect_segment(p.backward[0], 0, 2, 0, 1, 0, 1, false);
  EXPECT_EQ(p.output_rows, 3);
  done = e.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].descriptor.id, 2);
}

// A longer mixed schedule: invariants after every pass, and the step-slot accounting.
void run_schedule(const NetworkSpec& net) {
  const int slots = 3, depth = 2;
  SlotEngine e(net, slots, depth);
  std::uint64_t rng = 12345;
  auto next = [&rng](std::uint64_t n) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (rng >> 33) % n;
  };
  std::map<std::int64_t, SequenceDescriptor> submitted;
  std::vector<std::int64_t> completed;
  std::vector<std::vector<std::int64_t>> pushed_order(slots);
  std::int64_t next_id = 0, segment_steps = 0, useful_steps = 0, output_rows = 0;
  std::map<std::pair<std::int64_t, int>, int> resets;  // (id, layer*2+dir) -> count
  int concatenations = 0, padded_segments = 0;
  const std::int64_t windows[] = {1, 2, 3, 5, 8, 0};
  for (int round = 0; round < 5000 && (next_id < 40 || !e.idle()); ++round) {
    for (int s = 0; s < slots && next_id < 40; ++s) {
      if (next(2) == 0) continue;
      const std::int64_t len = 1 + std::int64_t(next(9));
      const std::int64_t padded = len + (next(3) == 0 ? std::int64_t(next(4)) : 0);
      const SequenceDescriptor d = seq(next_id, len, padded);
      if (e.enqueue(s, d)) {
        submitted[next_id] = d;
        pushed_order[std::size_t(s)].push_back(next_id);
        ++next_id;
      } else {
        EXPECT_EQ(e.queued(s), depth);
      }
    }
    SlotEngine::Command cmd = window(windows[next(6)]);
    if (next(4) == 0) {
      cmd.slot_mask.assign(slots, 0);
      for (auto& m : cmd.slot_mask) m = std::uint8_t(next(2));
    }
    for (int l = 0; l < net.num_layers; ++l) {
      std::vector<bool> advance(std::size_t(slots), false);
      for (int s = 0; s < slots; ++s) advance[std::size_t(s)] = e.can_advance(s, l);
      LayerPass p;
      e.run_layer(cmd, l, p);
      EXPECT_EQ(p.layer, l);
      std::vector<bool> advanced(std::size_t(slots), false);
      for (const auto* segs : {&p.forward, &p.backward}) {
        std::vector<int> per_slot(std::size_t(slots), 0);
        for (const auto& sg : *segs) {
          advanced[std::size_t(sg.slot)] = true;
          if (++per_slot[std::size_t(sg.slot)] == 2) ++concatenations;
          if (sg.useful_steps < sg.end - sg.begin) ++padded_segments;
        }
      }
      for (int s = 0; s < slots; ++s) {
        if (cmd.slot_mask.empty() || cmd.slot_mask[std::size_t(s)]) {
          EXPECT_EQ(advanced[std::size_t(s)], advance[std::size_t(s)]) << "can_advance(" << s << ", " << l << ")";
        }
      }
      for (int dir = 0; dir < 2; ++dir) {
        const auto& segs = dir == 0 ? p.forward : p.backward;
        if (!net.bidirectional) {
          EXPECT_TRUE(p.backward.empty());
        }
        for (const auto& sg : segs) {
          EXPECT_LT(sg.begin, sg.end);
          EXPECT_GE(sg.begin, 0);
          EXPECT_LE(sg.end, sg.sequence.padded_length);
          if (cmd.steps > 0) {
            EXPECT_LE(sg.window_offset + (sg.end - sg.begin), cmd.steps);
          }
          EXPECT_LE(sg.window_offset + (sg.end - sg.begin), dir == 0 ? p.forward_span : p.backward_span);
          if (!cmd.slot_mask.empty()) {
            EXPECT_TRUE(cmd.slot_mask[std::size_t(sg.slot)]);
          }
          const bool start = dir == 0 ? sg.begin == 0 : sg.end == sg.sequence.padded_length;
          EXPECT_EQ(sg.resets_state, start);
          if (sg.resets_state) resets[{sg.sequence.id, l * 2 + dir}]++;
          EXPECT_EQ(sg.useful_steps, std::max<std::int64_t>(0, std::min(sg.end, sg.sequence.length) - sg.begin));
          segment_steps += sg.end - sg.begin;
          useful_steps += sg.useful_steps;
        }
      }
      if (l == net.num_layers - 1)
        output_rows += p.output_rows;
      else
        EXPECT_EQ(p.output_rows, 0);
      for (int s = 0; s < slots; ++s)
        for (int k = 1; k < net.num_layers; ++k) EXPECT_LE(e.available(s, k), e.available(s, k - 1));
      if (l < net.num_layers - 1) {
        EXPECT_TRUE(e.take_completions().empty());
      }
    }
    for (const auto& c : e.take_completions()) {
      completed.push_back(c.descriptor.id);
      auto& order = pushed_order[std::size_t(c.slot)];
      ASSERT_FALSE(order.empty());
      EXPECT_EQ(order.front(), c.descriptor.id) << "completions of a slot in FIFO order";
      order.erase(order.begin());
    }
  }
  ASSERT_TRUE(e.idle()) << "schedule did not drain";
  EXPECT_EQ(submitted.size(), 40u);
  EXPECT_GT(concatenations, 0) << "the schedule should put two sequences of a slot in one pass";
  EXPECT_GT(padded_segments, 0) << "the schedule should compute padding";
  EXPECT_EQ(completed.size(), submitted.size());
  EXPECT_EQ(std::set<std::int64_t>(completed.begin(), completed.end()).size(), completed.size());
  std::int64_t padded_sum = 0, length_sum = 0;
  for (const auto& [id, d] : submitted) {
    padded_sum += d.padded_length;
    length_sum += d.length;
    for (int l = 0; l < net.num_layers; ++l)
      for (int dir = 0; dir < net.directions(); ++dir)
        EXPECT_EQ((resets[{id, l * 2 + dir}]), 1) << "id " << id << " layer " << l << " dir " << dir;
  }
  EXPECT_EQ(segment_steps, padded_sum * net.num_layers * net.directions());
  EXPECT_EQ(useful_steps, length_sum * net.num_layers * net.directions());
  EXPECT_EQ(output_rows, padded_sum);
}

TEST(SlotEngine, StepSlotAccountingUnidirectional) { run_schedule(uni_net(3)); }
TEST(SlotEngine, StepSlotAccountingBidirectional) { run_schedule(bi_net(3)); }

TEST(SlotEngine, AdvanceLayerChangesTheStateAsRunLayerDoes) {
  // Hand-worked: a unidirectional 2-layer network, one sequence of 3 steps in slot 0.
  // A 2-step command on layer 0 leaves 2 steps of layer-0 output, so layer 1 can advance
  // (2 steps) and layer 0 has 1 left; 1 more step of layer 0 then 3 of layer 1 complete it.
  SlotEngine e(uni_net(2), 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(7, 3)));
  e.advance_layer(window(2), 0);
  EXPECT_EQ(e.available(0, 0), 2);
  EXPECT_TRUE(e.can_advance(0, 0));
  EXPECT_TRUE(e.can_advance(0, 1));
  e.advance_layer(window(0), 1);
  EXPECT_EQ(e.available(0, 1), 2);
  EXPECT_FALSE(e.can_advance(0, 1)) << "layer 1 caught up with its input";
  e.advance_layer(window(1), 0);
  EXPECT_EQ(e.available(0, 0), 3);
  EXPECT_TRUE(e.take_completions().empty());
  e.advance_layer(window(1), 1);
  const auto done = e.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].descriptor.id, 7);
  EXPECT_TRUE(e.idle());

  // And on random schedules (both network kinds, masks, windows, concatenated queues): the
  // same availability, readiness and completions as run_layer after every layer.
  for (const NetworkSpec& net : {uni_net(3), bi_net(3)}) {
    const int slots = 3, depth = 2;
    SlotEngine with_pass(net, slots, depth), without(net, slots, depth);
    std::uint64_t rng = 99;
    auto next = [&rng](std::uint64_t n) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      return (rng >> 33) % n;
    };
    const std::int64_t windows[] = {1, 2, 3, 0};
    std::int64_t id = 0;
    std::vector<Completion> kept;  // take_completions' kept buffer, against the returning form
    for (int round = 0; round < 400 && (id < 30 || !with_pass.idle()); ++round) {
      for (int s = 0; s < slots && id < 30; ++s)
        if (next(2) && with_pass.queued(s) < depth) {
          const std::int64_t len = 1 + std::int64_t(next(6));
          const SequenceDescriptor d = seq(id, len, len + std::int64_t(next(2)));  // padded at times
          ASSERT_TRUE(with_pass.enqueue(s, d));
          ASSERT_TRUE(without.enqueue(s, d));
          ++id;
        }
      SlotEngine::Command cmd = window(windows[next(4)]);
      if (next(3) == 0) {
        cmd.slot_mask.assign(std::size_t(slots), 0);
        for (auto& m : cmd.slot_mask) m = std::uint8_t(next(2));
      }
      for (int l = 0; l < net.num_layers; ++l) {
        LayerPass pass;
        with_pass.run_layer(cmd, l, pass);
        without.advance_layer(cmd, l);
        for (int s = 0; s < slots; ++s) {
          ASSERT_EQ(with_pass.queued(s), without.queued(s));
          for (int k = 0; k < net.num_layers; ++k) {
            ASSERT_EQ(with_pass.available(s, k), without.available(s, k)) << "slot " << s << " layer " << k;
            ASSERT_EQ(with_pass.can_advance(s, k), without.can_advance(s, k)) << "slot " << s << " layer " << k;
          }
        }
        const auto a = with_pass.take_completions();
        without.take_completions(kept);
        ASSERT_EQ(a.size(), kept.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
          EXPECT_EQ(a[i].slot, kept[i].slot);
          EXPECT_EQ(a[i].descriptor.id, kept[i].descriptor.id);
        }
      }
    }
    EXPECT_TRUE(with_pass.idle());
    EXPECT_TRUE(without.idle());
    EXPECT_EQ(id, 30);
  }
}

// Invariant checks (compiled in with EBATCH_CHECKS, as in the test build).
TEST(SlotEngineInvariants, ARequestInTwoSlotsIsRejected) {
#ifdef EBATCH_CHECKS
  SlotEngine engine(uni_net(1), 2, 2);
  ASSERT_TRUE(engine.enqueue(0, {7, 3, 3, 0, 0}));
  EXPECT_THROW(engine.enqueue(1, {7, 5, 5, 0, 0}), std::logic_error);
#else
  GTEST_SKIP() << "built without EBATCH_CHECKS";
#endif
}

}  // namespace
}  // namespace ebatch
