// The cost of an autoregressive decoder (issue 14), hand-worked on both platforms: the passes
// of a window come from SlotEngine::next_pass (one step of each layer per round, the output
// layer at every step) and each is priced by the platform's own closed form, so weights are
// reloaded per step unless they stay on chip.
#include <gtest/gtest.h>

#include <vector>

#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/epur/epur_cost.h"
#include "hw/tpu/tpu_cost.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::repo_path;

NetworkSpec decoder(int input, int hidden, int layers, int outputs, bool autoregressive = true) {
  NetworkSpec n;
  n.name = "tiny_decoder";
  n.cell = CellType::lstm;
  n.input_size = input;
  n.hidden_size = hidden;
  n.num_layers = layers;
  n.autoregressive = autoregressive;
  n.output.size = outputs;
  n.output.activation = OutputActivation::softmax;
  return n;
}

// The passes of one command of window N over two slots with sequences of 10 steps (maximum).
std::vector<LayerPass> window_passes(const NetworkSpec& net, std::int64_t n) {
  SlotEngine e(net, 2, 1);
  for (int s = 0; s < 2; ++s) {
    SequenceDescriptor d;
    d.id = s;
    d.length = d.padded_length = 10;
    e.enqueue(s, d);
  }
  SlotEngine::Command cmd;
  cmd.steps = n;
  std::vector<LayerPass> out;
  LayerPass pass;
  for (SlotEngine::Cursor c; e.next_pass(cmd, c, pass);)
    if (!pass.empty()) out.push_back(pass);
  return out;
}

HardwareConfig epur(std::vector<Override> overrides = {}) {
  overrides.insert(overrides.begin(), {{"weight_streaming", "serial"}, {"weight_prefetch", "off"}});
  return load_hardware_config(repo_path("configs/hw/epur.yaml"), overrides);
}

TEST(DecoderCost, EpurWindowOfThreeStepsWorkedOutByHand) {
  // 2 decoder layers, I = H = 16, 32 outputs; E-PUR: 4 CUs, w = 16, m = 1, fp16.
  // rows per CU = 4 x 16 / 4 = 16; DPU latency = ceil(log2 16) + 2 = 6; LSTM cell ops 5.
  // Per pass (one step, both slots: 2 rows):
  //   input half   2 x 16 x ceil(16/16) + 6                       = 38
  //   recurrence   max(2 x 16 x 1, ceil(2 x 16 x 3 / 1)) + 6 + ceil(2 x 16 x 5 / 4) = 96 + 6 + 40 = 142
  //   output layer (layer 1 only) 2 x ceil(32/4) x ceil(16/16) + 6 = 22
  // Per step 180 + 180 + 22 = 382; three steps 1146 cycles.
  const NetworkSpec net = decoder(16, 16, 2, 32);
  const auto passes = window_passes(net, 3);
  ASSERT_EQ(passes.size(), 6u);
  EpurCostModel model(epur(), net);
  std::uint64_t cycles = 0, loads = 0, input_bytes = 0, output_bytes = 0;
  for (const auto& p : passes) {
    const PassCost c = model.cost(p);
    EXPECT_EQ(c.input_half_cycles, 38u);
    EXPECT_EQ(c.recurrent_cycles, 142u);
    EXPECT_EQ(c.output_layer_cycles, p.layer == 1 ? 22u : 0u);
    cycles += c.compute_cycles();
    loads += c.weight_load_bytes;
    input_bytes += c.input_dram_bytes;
    output_bytes += c.output_dram_bytes;
  }
  EXPECT_EQ(cycles, 1146u);
  // A layer per CU: 16 rows x (16 + 16 + 2) x 2 B = 1088 B; the output layer ceil(32/4) = 8 rows
  // x (16 + 1) x 2 B = 272 B. The 2 MiB weight buffers hold all three: loaded once, at the first
  // step, 4 x (1088 + 1088 + 272) = 9792 B.
  EXPECT_EQ(loads, 9792u);
  // Layer 0 reads one embedding row per slot and step: 3 x 2 x 16 x 2 B = 192 B; the last layer
  // writes h and the 32 outputs per slot and step: 3 x 2 x (16 + 32) x 2 B = 576 B.
  EXPECT_EQ(input_bytes, 192u);
  EXPECT_EQ(output_bytes, 576u);

  // The same sequences run layer-major (a non-autoregressive network, the model before issue
  // 14): layer 0 = 6 x 16 + 6 + 3 x 142 = 528, layer 1 = 528 + 6 x 8 + 6 = 582: 1110 cycles.
  // The decoder pays one DPU latency per input half and output layer per step: +36.
  EpurCostModel encoder_model(epur(), decoder(16, 16, 2, 32, false));
  std::uint64_t layer_major = 0;
  for (const auto& p : window_passes(decoder(16, 16, 2, 32, false), 3))
    layer_major += encoder_model.cost(p).compute_cycles();
  EXPECT_EQ(layer_major, 1110u);
}

TEST(DecoderCost, EpurReloadsEveryStepWhenTheLayersDoNotStayOnChip) {
  // A weight buffer of 1200 B per CU holds one layer (1088 B) but not a layer and the output
  // layer (1360 B): least recently used, every step evicts what the next pass needs, so each
  // step loads both layers and the output layer: 3 x 4 x (1088 + 1088 + 272) = 29376 B.
  const NetworkSpec net = decoder(16, 16, 2, 32);
  EpurCostModel model(epur({{"weight_buffer", "1200 B"}}), net);
  std::uint64_t loads = 0;
  std::vector<std::uint64_t> per_pass;
  for (const auto& p : window_passes(net, 3)) {
    const PassCost c = model.cost(p);
    loads += c.weight_load_bytes;
    per_pass.push_back(c.weight_load_bytes);
  }
  EXPECT_EQ(loads, 29376u);
  const std::vector<std::uint64_t> expected{4352, 5440, 4352, 5440, 4352, 5440};
  EXPECT_EQ(per_pass, expected);
}

TEST(DecoderCost, TpuWindowOfThreeStepsWorkedOutByHand) {
  // 4 x 4 array, 1 GHz, 1 GB/s (one weight byte per cycle), no DRAM latency, 4 activation
  // results per cycle, int8, GEMMs one after another (no cross-GEMM prefetch). One decoder
  // layer, I = 2, H = 1 (G x H = 4), 4 outputs; two slots. Per step (M = 2 rows):
  //   input half 2 x 2 x 4: tile 2 x 4 = 8 B fetched 0-8, shifted in 8-12, computes
  //     R + C + M - 2 = 4 + 4 + 2 - 2 = 8: 20 cycles
  //   recurrence 2 x 1 x 4: tile 4 B, fetched 0-4, shifted 4-8, computes 8: 16 cycles
  //   element-wise ceil(2 x 1 x (3 x 4 + 5) / 4) = 9 cycles
  //   output layer 2 x 1 x 4: as the recurrence, 16 cycles
  // 61 cycles per step, 183 for three; weights 8 + 4 + 4 = 16 B per step, 48 B.
  const HardwareConfig hw = load_hardware_config(repo_path("configs/hw/tpu_v1.yaml"), {{"array.rows", "4"},
                                                                                       {"array.cols", "4"},
                                                                                       {"frequency", "1 GHz"},
                                                                                       {"dram.bandwidth", "1 GB/s"},
                                                                                       {"dram.latency", "0 ns"},
                                                                                       {"activation_width", "4"},
                                                                                       {"weight_prefetch", "off"}});
  const NetworkSpec net = decoder(2, 1, 1, 4);
  TpuCostModel model(hw, net);
  const auto passes = window_passes(net, 3);
  ASSERT_EQ(passes.size(), 3u);
  std::uint64_t cycles = 0, weights = 0;
  for (const auto& p : passes) {
    const TpuPassCost c = model.cost(p);
    EXPECT_EQ(c.cycles, 61u);
    cycles += c.cycles;
    weights += c.weight_bytes;
  }
  EXPECT_EQ(cycles, 183u);
  EXPECT_EQ(weights, 48u);
  // Layer-major (not autoregressive): input half M = 6: 8 + 4 + (4 + 4 + 6 - 2) = 24; three
  // recurrent steps 3 x (16 + 9); output layer M = 6: 4 + 4 + 12 = 20: 119 cycles, 8 + 12 + 4 B.
  const NetworkSpec encoder = decoder(2, 1, 1, 4, false);
  TpuCostModel encoder_model(hw, encoder);
  const auto lm = window_passes(encoder, 3);
  ASSERT_EQ(lm.size(), 1u);
  EXPECT_EQ(encoder_model.cost(lm[0]).cycles, 119u);
  EXPECT_EQ(encoder_model.cost(lm[0]).weight_bytes, 24u);
}

}  // namespace
}  // namespace ebatch
