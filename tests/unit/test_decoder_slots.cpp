// SlotEngine for autoregressive networks (issue 14), kernel-free: step-major order, lengths
// the host does not know (the accelerator's side table, end_sequence), encoder-decoder
// requests and the encoder-to-decoder hand-off.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "hw/contract/slot_engine.h"

namespace ebatch {
namespace {

NetworkSpec decoder_net(int layers) {
  NetworkSpec n;
  n.name = "dec";
  n.cell = CellType::lstm;
  n.input_size = 3;
  n.hidden_size = 4;
  n.num_layers = layers;
  n.autoregressive = true;
  n.output.size = 5;
  return n;
}

NetworkSpec encdec_net(int encoder_layers) {
  NetworkSpec n = decoder_net(2 * encoder_layers);
  n.name = "encdec";
  n.encoder_layers = encoder_layers;
  return n;
}

SequenceDescriptor seq(std::int64_t id, std::int64_t max_length, std::int64_t source = 0) {
  SequenceDescriptor d;
  d.id = id;
  d.length = d.padded_length = max_length;
  d.source_length = d.source_padded = source;
  return d;
}

SlotEngine::Command window(std::int64_t steps) {
  SlotEngine::Command c;
  c.steps = steps;
  return c;
}

// Every pass of one command, in order (empty ones dropped).
std::vector<LayerPass> run_command(SlotEngine& e, const SlotEngine::Command& cmd) {
  std::vector<LayerPass> out;
  LayerPass pass;
  for (SlotEngine::Cursor c; e.next_pass(cmd, c, pass);)
    if (!pass.empty()) out.push_back(pass);
  return out;
}

TEST(DecoderSlots, StepMajorWindowRunsEveryLayerOncePerStep) {
  // 3 decoder layers, one slot, window N = 2: the passes are layers 0, 1, 2 (step 0), then
  // 0, 1, 2 (step 1), each of one step; the last layer's pass of each step yields one output row.
  const NetworkSpec net = decoder_net(3);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(7, 10)));
  const auto passes = run_command(e, window(2));
  ASSERT_EQ(passes.size(), 6u);
  for (std::size_t i = 0; i < passes.size(); ++i) {
    const LayerPass& p = passes[i];
    EXPECT_EQ(p.layer, int(i % 3));
    ASSERT_EQ(p.forward.size(), 1u);
    EXPECT_EQ(p.forward[0].begin, std::int64_t(i / 3));
    EXPECT_EQ(p.forward[0].end, std::int64_t(i / 3) + 1);
    EXPECT_EQ(p.forward_span, 1);
    EXPECT_EQ(p.output_rows, p.layer == 2 ? 1 : 0);
  }
  EXPECT_EQ(e.available(0, 2), 2);
}

TEST(DecoderSlots, NoLayerRunsAheadOfTheLayerAbove) {
  // The step-major invariant over a whole decode with a layer-major command (what a policy
  // that ignored the decoder would issue): layer l never has more than one step more than
  // layer l + 1, and the first layer computes step t only once the last has produced t - 1.
  const NetworkSpec net = decoder_net(4);
  SlotEngine e(net, 2, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 9)));
  ASSERT_TRUE(e.enqueue(1, seq(2, 5)));
  LayerPass pass;
  std::map<std::int64_t, std::vector<std::int64_t>> done;  // id -> steps per layer
  for (int round = 0; round < 40 && !e.idle(); ++round)
    for (int l = 0; l < net.num_layers; ++l) {
      e.run_layer(window(8), l, pass);  // N = 8 per run_layer: still one step at a time
      for (const auto& s : pass.forward) {
        EXPECT_EQ(s.end - s.begin, 1) << "layer " << l << " ran two steps in one pass";
        auto& d = done[s.sequence.id];
        d.resize(std::size_t(net.num_layers), 0);
        d[std::size_t(l)] = s.end;
        if (l > 0) {
          EXPECT_LE(d[std::size_t(l)], d[std::size_t(l - 1)]);
        } else {
          EXPECT_EQ(s.begin, d[std::size_t(net.num_layers - 1)]) << "step before the token";
        }
      }
    }
  EXPECT_TRUE(e.idle());
}

TEST(DecoderSlots, EndsWhereTheSideTableSaysAndReportsTheSteps) {
  // The host programs LENGTH = 10 (the maximum) for both; the accelerator's table says request
  // 1 ends after 3 steps and request 2 after 12 (clipped to its maximum, 10). With N = 0 (as many
  // as possible) one command decodes both: request 1 completes after round 3, request 2 after 10.
  const NetworkSpec net = decoder_net(2);
  SlotEngine e(net, 2, 1);
  const OutputLengths ends{{1, 3}, {2, 12}};
  e.set_output_lengths(&ends);
  ASSERT_TRUE(e.enqueue(0, seq(1, 10)));
  ASSERT_TRUE(e.enqueue(1, seq(2, 10)));
  std::vector<Completion> completions;
  LayerPass pass;
  int rounds_with_both = 0;
  for (SlotEngine::Cursor c; e.next_pass(window(0), c, pass);) {
    if (pass.layer == 1 && pass.forward.size() == 2) ++rounds_with_both;
    for (auto& done : e.take_completions()) completions.push_back(done);
  }
  EXPECT_EQ(rounds_with_both, 3);
  ASSERT_EQ(completions.size(), 2u);
  EXPECT_EQ(completions[0].descriptor.id, 1);
  EXPECT_EQ(completions[0].steps, 3);
  EXPECT_EQ(completions[1].descriptor.id, 2);
  EXPECT_EQ(completions[1].steps, 10);
  EXPECT_TRUE(e.idle());
}

TEST(DecoderSlots, WithoutTheTableTheHostViewRunsToTheMaximum) {
  // The host's copies (tuner, cellular shadow) have no table: they see the maximum.
  const NetworkSpec net = decoder_net(1);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 6)));
  EXPECT_EQ(run_command(e, window(0)).size(), 6u);
  const auto c = e.take_completions();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].steps, 6);
}

TEST(DecoderSlots, RunToPaddedComputesPaddingPastTheEnd) {
  // Padded batching's to_max: the sequence ends after 2 useful steps but computes 5; the
  // segments say which steps are useful (2) and which are padding (3).
  const NetworkSpec net = decoder_net(1);
  SlotEngine e(net, 1, 1);
  const OutputLengths ends{{4, 2}};
  e.set_output_lengths(&ends);
  SequenceDescriptor d = seq(4, 4);
  d.padded_length = 5;
  d.run_to_padded = true;
  ASSERT_TRUE(e.enqueue(0, d));
  std::int64_t useful = 0, computed = 0;
  for (const auto& p : run_command(e, window(0)))
    for (const auto& s : p.forward) useful += s.useful_steps, computed += s.end - s.begin;
  EXPECT_EQ(computed, 5);
  EXPECT_EQ(useful, 2);
  const auto c = e.take_completions();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].steps, 2);
}

TEST(DecoderSlots, EndSequenceStopsADecodeEarly) {
  // Functional runs: the end-of-sequence token after step 2 ends the sequence then.
  const NetworkSpec net = decoder_net(2);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(3, 8)));
  run_command(e, window(2));
  EXPECT_TRUE(e.take_completions().empty());
  ASSERT_TRUE(e.end_sequence(0, 3, 2));
  const auto c = e.take_completions();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].steps, 2);
  EXPECT_TRUE(e.idle());
  EXPECT_FALSE(e.end_sequence(0, 3, 2));
}

TEST(DecoderSlots, EncoderRunsLayerMajorThenHandsOffToTheDecoder) {
  // 2 encoder + 2 decoder layers, source 4 steps, target ends after 3 (table), window N = 8:
  // encoder layers 0 and 1 run 4 steps each (layer-major, one pass each); the decoder's first
  // pass (layer 2, step 0) starts from the encoder's final state: it does not reset, and comes
  // only after layer 1 has finished the source; then 3 rounds of layers 2, 3.
  const NetworkSpec net = encdec_net(2);
  SlotEngine e(net, 1, 1);
  const OutputLengths ends{{9, 3}};
  e.set_output_lengths(&ends);
  ASSERT_TRUE(e.enqueue(0, seq(9, 18, 4)));
  const auto passes = run_command(e, window(8));
  ASSERT_EQ(passes.size(), 2u + 2u * 3u);
  EXPECT_EQ(passes[0].layer, 0);
  EXPECT_EQ(passes[0].forward[0].end, 4);
  EXPECT_EQ(passes[1].layer, 1);
  EXPECT_EQ(passes[1].forward[0].end, 4);
  EXPECT_EQ(passes[1].output_rows, 0);  // the encoder's outputs are not the network's
  for (std::size_t i = 2; i < passes.size(); ++i) {
    EXPECT_EQ(passes[i].layer, 2 + int(i % 2));
    EXPECT_EQ(passes[i].forward[0].begin, std::int64_t(i - 2) / 2);
    EXPECT_EQ(passes[i].forward[0].end - passes[i].forward[0].begin, 1);
  }
  // The hand-off: the decoder's first step takes its state from the encoder: no reset.
  EXPECT_EQ(passes[2].forward[0].begin, 0);
  EXPECT_FALSE(passes[2].forward[0].resets_state);
  EXPECT_FALSE(passes[3].forward[0].resets_state);
  EXPECT_TRUE(passes[0].forward[0].resets_state);
  EXPECT_EQ(e.available(0, 1), 0);  // the sequence is gone: completed
  const auto c = e.take_completions();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].steps, 3);
}

TEST(DecoderSlots, DecoderWaitsForTheWholeSource) {
  // Window N = 2 on a 5-step source: the encoder needs three commands; the decoder's layer
  // cannot advance before the third.
  const NetworkSpec net = encdec_net(1);
  SlotEngine e(net, 1, 1);
  ASSERT_TRUE(e.enqueue(0, seq(1, 6, 5)));
  for (int k = 0; k < 2; ++k) {
    const auto passes = run_command(e, window(2));
    ASSERT_EQ(passes.size(), 1u);
    EXPECT_EQ(passes[0].layer, 0);
    EXPECT_FALSE(e.can_advance(0, 1));
  }
  const auto passes = run_command(e, window(2));
  ASSERT_EQ(passes.size(), 3u);  // layer 0's last step, then two decoder steps
  EXPECT_EQ(passes[0].forward[0].end, 5);
  EXPECT_EQ(passes[1].layer, 1);
  EXPECT_EQ(passes[2].layer, 1);
}

}  // namespace
}  // namespace ebatch
