// EpurCostModel (hw/epur/epur_cost.h), kernel-free: closed-form cycles, MACs,
// weight residency and streaming, weight-buffer reuse across batch slots; overlapped
// (chunked) weight loading, next-layer prefetch and batched DPU lanes.
#include <gtest/gtest.h>

#include <vector>

#include "common/errors.h"
#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/energy_counters.h"
#include "hw/epur/epur_cost.h"
#include "hw/epur/epur_plan.h"
#include "tests/test_support.h"
#include "tests/unit/epur_closed_form.h"

namespace ebatch {
namespace {

using test::EpurClosedForm;
using test::repo_path;

// The hand-worked cases below are for serial weight loading without prefetch (the shipped
// defaults are overlapped and next_layer); a test's own overrides come after and win.
Experiment eesen(std::vector<Override> overrides = {}) {
  overrides.insert(
      overrides.begin(),
      {{"policy", "{kind: none}"}, {"hardware.weight_streaming", "serial"}, {"hardware.weight_prefetch", "off"}});
  overrides.push_back({"workload.requests", "1"});
  return load_experiment(repo_path("configs/experiments/default.yaml"), overrides);
}

Segment segment(int slot, std::int64_t id, std::int64_t length, std::int64_t begin, std::int64_t end,
                std::int64_t offset, bool backward = false) {
  Segment s;
  s.slot = slot;
  s.sequence.id = id;
  s.sequence.length = length;
  s.sequence.padded_length = length;
  s.begin = begin;
  s.end = end;
  s.window_offset = offset;
  s.useful_steps = end - begin;
  s.resets_state = backward ? end == length : begin == 0;
  return s;
}

// A pass of `layer` over whole sequences of the given lengths, one per slot, all directions.
LayerPass whole_pass(const NetworkSpec& net, int layer, const std::vector<std::int64_t>& lengths) {
  LayerPass p;
  p.layer = layer;
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    p.forward.push_back(segment(int(s), std::int64_t(s), lengths[s], 0, lengths[s], 0));
    p.forward_span = std::max(p.forward_span, lengths[s]);
    if (net.bidirectional) {
      p.backward.push_back(segment(int(s), std::int64_t(s), lengths[s], 0, lengths[s], 0, true));
      p.backward_span = std::max(p.backward_span, lengths[s]);
    }
  }
  return p;
}

TEST(EpurCost, EesenClosedFormsOnTheShippedConfig) {
  const Experiment e = eesen();
  ASSERT_EQ(e.network.name, "eesen");
  const EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  // Hand-derived for EESEN (G=4, H=320, I0=120, I1=640) on 4 CUs, w=16, m=1:
  // rows per CU ceil(1280/4)=320; latency ceil(log2 16)+2=6.
  EXPECT_EQ(model.rows_per_cu(), 320);
  EXPECT_EQ(model.dpu_latency(), 6);
  EXPECT_EQ(f.rows_per_cu, 320u);
  EXPECT_EQ(f.latency, 6u);
  // Input half of one row: 320 * ceil(120/16)=8 -> 2560 + 6; layer 1: 320 * 40 + 6.
  EXPECT_EQ(model.input_half_cycles(0, 1), 2566u);
  EXPECT_EQ(model.input_half_cycles(1, 1), 12806u);
  // One recurrent step, one slot: max(320*20, 320*3) + 6 + ceil(320*5/4) = 6400 + 6 + 400.
  EXPECT_EQ(model.recurrent_step_cycles(1), 6806u);
  EXPECT_EQ(model.input_half_cycles(0, 0), 0u);
  EXPECT_EQ(model.recurrent_step_cycles(0), 0u);
  for (int layer = 0; layer < e.network.num_layers; ++layer)
    for (std::int64_t rows : {1, 2, 7, 100, 1234})
      EXPECT_EQ(model.input_half_cycles(layer, rows), f.input_half(layer, std::uint64_t(rows)))
          << "layer " << layer << " rows " << rows;
  for (int b : {1, 2, 3, 8, 13, 64}) EXPECT_EQ(model.recurrent_step_cycles(b), f.recurrent_step(std::uint64_t(b))) << b;
  for (std::int64_t rows : {1, 5, 77}) EXPECT_EQ(model.output_layer_cycles(rows), f.output_layer(std::uint64_t(rows)));
  for (int layer = 0; layer < e.network.num_layers; ++layer)
    EXPECT_EQ(model.layer_bytes_per_cu(layer), f.layer_bytes_per_cu(layer));
  EXPECT_EQ(model.output_layer_bytes_per_cu(), f.output_bytes_per_cu());
}

TEST(EpurCost, OneLayerStepPassMatchesClosedForm) {
  const Experiment e = eesen();
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  for (int layer : {0, 1}) {
    // One step of one sequence in both directions of a (bidirectional) layer.
    const LayerPass p = whole_pass(e.network, layer, {1});
    const PassCost c = model.cost(p);
    EXPECT_EQ(c.input_half_cycles, 2 * f.input_half(layer, 1)) << layer;
    EXPECT_EQ(c.recurrent_cycles, 2 * f.recurrent_step(1)) << layer;
    EXPECT_EQ(c.output_layer_cycles, 0u);
    EXPECT_EQ(c.compute_cycles(), c.input_half_cycles + c.recurrent_cycles);
    const double in = double(f.input_size(layer)), g = 4, h = 320;
    EXPECT_DOUBLE_EQ(c.macs, 2 * g * h * (in + h));
    if (layer > 0) {
      EXPECT_EQ(c.input_dram_bytes, 0u) << "only layer 0 reads its inputs from DRAM";
    }
  }
}

TEST(EpurCost, RecurrenceFollowsActiveSlotsPerStep) {
  const Experiment e = eesen();
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  // Forward only: slot 0 runs 3 steps, slot 1 one step; lockstep: 2 active, then 1, 1.
  LayerPass p;
  p.layer = 1;
  p.forward = {segment(0, 0, 3, 0, 3, 0), segment(1, 1, 1, 0, 1, 0)};
  p.forward_span = 3;
  const PassCost c = model.cost(p);
  EXPECT_EQ(c.recurrent_cycles, f.recurrent_step(2) + 2 * f.recurrent_step(1));
  EXPECT_EQ(c.input_half_cycles, f.input_half(1, 4)) << "the input half is one GEMM over all 4 rows";
  EXPECT_DOUBLE_EQ(c.macs, 4.0 * 4 * 320 * (640 + 320));
  // A segment that starts later in the window (concatenation) shifts the active count.
  LayerPass q;
  q.layer = 1;
  q.forward = {segment(0, 0, 2, 0, 2, 0), segment(0, 1, 1, 0, 1, 2), segment(1, 2, 3, 0, 3, 0)};
  q.forward_span = 3;
  const PassCost d = model.cost(q);
  EXPECT_EQ(d.recurrent_cycles, 3 * f.recurrent_step(2));
}

TEST(EpurCost, OutputLayerOnTheLastLayer) {
  const Experiment e = eesen({{"hardware.weight_buffer", "8 MiB"}});
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  LayerPass p = whole_pass(e.network, 3, {5});
  p.output_rows = 5;
  const PassCost c = model.cost(p);
  EXPECT_EQ(c.output_layer_cycles, f.output_layer(5));
  EXPECT_EQ(c.output_layer_cycles, 5u * 18 * 40 + 6);  // ceil(72/4)=18 rows per CU, ceil(640/16)=40
  EXPECT_DOUBLE_EQ(c.macs, 2.0 * 5 * 4 * 320 * (640 + 320) + 5.0 * 72 * 640);
  EXPECT_EQ(c.weight_load_bytes, f.cus * (f.layer_bytes_per_cu(3) + f.output_bytes_per_cu()));
  EXPECT_EQ(c.output_dram_bytes, std::uint64_t(5) * (640 + 72) * f.bytes);
}

TEST(EpurCost, GruClosedForms) {
  // DeepSpeech2 (GRU, H=800, I=1312, 3 gates on 4 CUs) on the shipped E-PUR config.
  const Experiment e = eesen({{"network", repo_path("models/deepspeech2.yaml")}});
  ASSERT_EQ(e.network.cell, CellType::gru);
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  EXPECT_EQ(model.rows_per_cu(), 600);  // ceil(3*800/4)
  // max(800/16 * 600, 600*3) + 6 + ceil(800*8/4)
  EXPECT_EQ(model.recurrent_step_cycles(1), 30000u + 6 + 1600);
  EXPECT_EQ(model.input_half_cycles(0, 1), 600u * 82 + 6);  // ceil(1312/16) = 82
  for (int b : {1, 2, 5, 16}) EXPECT_EQ(model.recurrent_step_cycles(b), f.recurrent_step(std::uint64_t(b)));
  for (int layer = 0; layer < e.network.num_layers; ++layer)
    for (std::int64_t rows : {1, 3, 50})
      EXPECT_EQ(model.input_half_cycles(layer, rows), f.input_half(layer, std::uint64_t(rows)));
  const LayerPass p = whole_pass(e.network, 1, {3, 2});
  const PassCost c = model.cost(p);
  // merge: sum, so layer 1's input is H = 800 wide.
  EXPECT_DOUBLE_EQ(c.macs, 2.0 * 5 * 3 * 800 * (800 + 800));
  EXPECT_EQ(c.recurrent_cycles, 2 * (2 * f.recurrent_step(2) + f.recurrent_step(1)));
}

TEST(EpurCost, SmallGruIsMfuBound) {
  // H=16, w=16: the DPU needs b*16 cycles, the MFU's gate work b*16*3/m.
  HardwareConfig hw;
  hw.precision = Precision::fp16;
  hw.frequency_hz = 1e9;
  hw.config<EpurConfig>().compute_units = 3;
  hw.config<EpurConfig>().dot_product_width = 16;
  hw.config<EpurConfig>().mfu_width = 1;
  hw.config<EpurConfig>().weight_buffer_bytes = 1 << 20;
  hw.config<EpurConfig>().input_buffer_bytes = 1 << 13;
  NetworkSpec net;
  net.name = "tiny_gru";
  net.cell = CellType::gru;
  net.input_size = 8;
  net.hidden_size = 16;
  net.num_layers = 1;
  EpurCostModel model(hw, net);
  const EpurClosedForm f(hw, net);
  EXPECT_EQ(model.rows_per_cu(), 16);
  // max(16, 48) + (ceil(log2 16) + 2 = 6) + ceil(16*8/3) = 48 + 6 + 43.
  EXPECT_EQ(model.recurrent_step_cycles(1), 97u);
  EXPECT_EQ(f.recurrent_step(1), 97u);
  for (int b : {1, 2, 3, 10}) EXPECT_EQ(model.recurrent_step_cycles(b), f.recurrent_step(std::uint64_t(b)));
  hw.config<EpurConfig>().mfu_width = 2;
  hw.config<EpurConfig>().dot_product_width = 5;  // latency ceil(log2 5) + 2 = 5
  EpurCostModel model2(hw, net);
  const EpurClosedForm f2(hw, net);
  EXPECT_EQ(model2.dpu_latency(), 5);
  // max(16*ceil(16/5)=64, ceil(48/2)=24) + 5 + ceil(128/6) = 64 + 5 + 22
  EXPECT_EQ(model2.recurrent_step_cycles(1), 91u);
  for (int b : {1, 2, 3, 10}) EXPECT_EQ(model2.recurrent_step_cycles(b), f2.recurrent_step(std::uint64_t(b)));
  EXPECT_EQ(model2.input_half_cycles(0, 4), f2.input_half(0, 4));
  EXPECT_EQ(model2.input_half_cycles(0, 4), 4u * 16 * 2 + 5);
}

TEST(EpurCost, ResidentLayersAreLoadedOnceAndEvictedLeastRecentlyUsed) {
  // Shipped config: EESEN layer 0 (565,760 B per CU) and layer 1 (1,231,360 B) fit
  // together in 2 MiB; layer 2 evicts both.
  const Experiment e = eesen();
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  ASSERT_EQ(f.layer_bytes_per_cu(0), 320u * (120 + 320 + 2) * 2 * 2);
  ASSERT_EQ(f.layer_bytes_per_cu(1), 320u * (640 + 320 + 2) * 2 * 2);
  ASSERT_LE(f.layer_bytes_per_cu(0) + f.layer_bytes_per_cu(1), e.hardware.config<EpurConfig>().weight_buffer_bytes);
  ASSERT_GT(2 * f.layer_bytes_per_cu(1), e.hardware.config<EpurConfig>().weight_buffer_bytes);
  for (int l = 0; l < 4; ++l) EXPECT_TRUE(model.layer_fits(l));
  auto load = [&](int layer) { return model.cost(whole_pass(e.network, layer, {4})).weight_load_bytes; };
  EXPECT_EQ(load(0), f.cus * f.layer_bytes_per_cu(0));
  EXPECT_EQ(load(0), 0u) << "second pass on a resident layer";
  EXPECT_EQ(load(1), f.cus * f.layer_bytes_per_cu(1));
  EXPECT_EQ(load(1), 0u);
  EXPECT_EQ(load(2), f.cus * f.layer_bytes_per_cu(2)) << "evicts layers 0 and 1";
  EXPECT_EQ(load(0), f.cus * f.layer_bytes_per_cu(0)) << "reloaded after eviction";
  EXPECT_EQ(load(1), f.cus * f.layer_bytes_per_cu(1)) << "evicts layer 2, keeps layer 0";
  EXPECT_EQ(load(0), 0u);
  // An empty pass loads nothing.
  LayerPass empty;
  empty.layer = 3;
  EXPECT_EQ(model.cost(empty).weight_load_bytes, 0u);
  EXPECT_EQ(model.cost(whole_pass(e.network, 3, {1})).weight_load_bytes, f.cus * f.layer_bytes_per_cu(3));
  model.reset_residency();
  EXPECT_EQ(load(3), f.cus * f.layer_bytes_per_cu(3));
  // The write side of a load is counted in the weight buffer.
  const PassCost c = model.cost(whole_pass(e.network, 0, {2}));
  EXPECT_DOUBLE_EQ(c.wb_write_bytes, double(c.weight_load_bytes + c.weight_stream_bytes));
}

TEST(EpurCost, WholeNetworkResidentLoadsEachLayerOnce) {
  const Experiment e = eesen({{"hardware.weight_buffer", "8 MiB"}});
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  // Two sequences, one after the other, in windows of 4 steps through the slot engine.
  SlotEngine engine(e.network, 1, 1);
  std::uint64_t first = 0, second = 0;
  for (int sequence = 0; sequence < 2; ++sequence) {
    SequenceDescriptor d;
    d.id = sequence;
    d.length = d.padded_length = 10;
    ASSERT_TRUE(engine.enqueue(0, d));
    SlotEngine::Command cmd;
    cmd.steps = 4;
    int windows = 0;
    while (!engine.idle() && windows++ < 100) {
      for (int l = 0; l < e.network.num_layers; ++l) {
        LayerPass p;
        engine.run_layer(cmd, l, p);
        (sequence == 0 ? first : second) += model.cost(p).weight_load_bytes;
      }
    }
    ASSERT_TRUE(engine.idle());
  }
  EXPECT_EQ(first, f.network_weight_bytes());
  EXPECT_EQ(second, 0u);
}

TEST(EpurCost, LayerThatDoesNotFitStreamsItsRecurrentWeights) {
  const Experiment e = eesen({{"hardware.weight_buffer", "64 KiB"}});
  ASSERT_EQ(e.hardware.config<EpurConfig>().weight_buffer_bytes, 65536u);
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  EXPECT_FALSE(model.layer_fits(0));
  // U of one direction on one CU: 320 rows x 320 x 2 B = 204,800 B; 139,264 B over capacity.
  const std::uint64_t overflow =
      f.rows_per_cu * f.hidden * f.bytes - e.hardware.config<EpurConfig>().weight_buffer_bytes;
  ASSERT_EQ(overflow, 139264u);
  const std::int64_t steps = 5;
  PassCost c = model.cost(whole_pass(e.network, 0, {steps}));
  EXPECT_EQ(c.weight_load_bytes, f.cus * f.layer_bytes_per_cu(0));
  EXPECT_EQ(c.weight_stream_bytes, overflow * f.cus * std::uint64_t(2 * steps)) << "per step of each direction";
  EXPECT_DOUBLE_EQ(c.wb_write_bytes, double(c.weight_load_bytes + c.weight_stream_bytes));
  // Never resident: the next pass loads again; two slots in lockstep stream once per step.
  c = model.cost(whole_pass(e.network, 0, {steps, steps}));
  EXPECT_EQ(c.weight_load_bytes, f.cus * f.layer_bytes_per_cu(0));
  EXPECT_EQ(c.weight_stream_bytes, overflow * f.cus * std::uint64_t(2 * steps));
  // Slots of different lengths: the lockstep span counts.
  c = model.cost(whole_pass(e.network, 1, {2, 7}));
  EXPECT_EQ(c.weight_stream_bytes, overflow * f.cus * 2 * 7);
}

TEST(EpurCost, WeightBufferReadsAreSharedByBatchedSlotsWithinInputBufferReuse) {
  // Layer 1 of EESEN: the 8 KiB input buffer holds 8192/(640*2) = 6 input vectors and
  // 8192/(320*2) = 12 hidden vectors, so one step of up to 6 slots reads each weight once.
  const Experiment e = eesen();
  EpurCostModel model(e.hardware, e.network);
  const EpurClosedForm f(e.hardware, e.network);
  const std::uint64_t reuse_in = e.hardware.config<EpurConfig>().input_buffer_bytes / (f.input_size(1) * f.bytes);
  const std::uint64_t reuse_h = e.hardware.config<EpurConfig>().input_buffer_bytes / (f.hidden * f.bytes);
  ASSERT_EQ(reuse_in, 6u);
  ASSERT_EQ(reuse_h, 12u);
  auto one_step = [&](int slots) {
    LayerPass p;
    p.layer = 1;
    for (int s = 0; s < slots; ++s) p.forward.push_back(segment(s, s, 1, 0, 1, 0));
    p.forward_span = 1;
    return model.cost(p);
  };
  const PassCost one = one_step(1);
  const double w_in = double(f.cus * f.rows_per_cu * f.input_size(1) * f.bytes);
  const double w_h = double(f.cus * f.rows_per_cu * f.hidden * f.bytes);
  EXPECT_DOUBLE_EQ(one.wb_read_bytes, w_in + w_h);
  for (int b = 2; b <= int(reuse_in); ++b) {
    const PassCost c = one_step(b);
    EXPECT_DOUBLE_EQ(c.wb_read_bytes, one.wb_read_bytes) << b << " slots";
    EXPECT_DOUBLE_EQ(c.macs, b * one.macs) << "batching saves reads, not MACs";
    EXPECT_GT(c.recurrent_cycles, one.recurrent_cycles) << "nor DPU cycles";
  }
  const PassCost seven = one_step(int(reuse_in) + 1);
  EXPECT_GT(seven.wb_read_bytes, one.wb_read_bytes);
  EXPECT_DOUBLE_EQ(seven.wb_read_bytes, 2 * w_in + w_h);
  const PassCost thirteen = one_step(int(reuse_h) + 1);
  EXPECT_DOUBLE_EQ(thirteen.wb_read_bytes, 3 * w_in + 2 * w_h);
}

// A tiny LSTM on 4 CUs for the hand-worked cases below: G=4, H=16, I=16, 2 layers, fp16,
// w=16, 1 GHz, latency-free DRAM of `gbps` GB/s. rows per CU = 64/4 = 16, DPU latency
// log2(16) + 2 = 6; one layer per CU: 16 rows x (16 + 16 + 2) x 2 B = 1088 B, one row per
// CU 68 B, so one chunk (a row on each CU) is 272 B and a whole layer 4352 B. A layer-0
// pass of 4 steps also reads its inputs from DRAM first: 4 x 16 x 2 B = 128 B.
HardwareConfig tiny_hw(double gbps, std::uint64_t weight_buffer, int hidden_width = 16) {
  HardwareConfig hw;
  hw.precision = Precision::fp16;
  hw.frequency_hz = 1e9;
  hw.dram.bandwidth_bytes_per_s = gbps * 1e9;
  hw.dram.latency_s = 0;
  auto& e = hw.config<EpurConfig>();
  e.compute_units = 4;
  e.dot_product_width = 16;
  e.mfu_width = hidden_width == 16 ? 1 : 16;
  e.weight_buffer_bytes = weight_buffer;
  e.input_buffer_bytes = 8192;
  e.intermediate_memory_bytes = 1 << 20;
  return hw;
}

NetworkSpec tiny_lstm(int size = 16) {
  NetworkSpec net;
  net.name = "tiny_lstm";
  net.cell = CellType::lstm;
  net.input_size = size;
  net.hidden_size = size;
  net.num_layers = 2;
  return net;
}

double pass_seconds(EpurPlanner& planner, const HardwareConfig& hw, const LayerPass& pass) {
  PassPlan plan;
  planner.plan(pass, plan);
  return plan_seconds(plan, hw);
}

TEST(EpurCost, OverlappedStreamingExposesOnlyTheFirstChunk) {
  // One slot, 4 steps of layer 0: input half 4 x 16 x 1 + 6 = 70 cycles; a step
  // max(16, 16*3) + 6 + ceil(16*5/4) = 74; compute 70 + 4 x 74 = 366 ns.
  // Overlap window: the input half and the first step, 70 + 74 = 144 ns.
  const NetworkSpec net = tiny_lstm();
  for (double gbps : {64.0, 1.0}) {
    HardwareConfig hw = tiny_hw(gbps, 4096);
    const double ns = 1e-9, load = 4352 / gbps, chunk = 272 / gbps, in = 128 / gbps;
    EpurPlanner serial(hw, net);
    LayerPass pass = whole_pass(net, 0, {4});
    pass.last_layer = 1;
    EXPECT_NEAR(pass_seconds(serial, hw, pass), (load + in + 366) * ns, 1e-15) << gbps;
    hw.config<EpurConfig>().weight_streaming = WeightStreaming::overlapped;
    EpurPlanner overlapped(hw, net);
    const PassCost c = EpurCostModel(hw, net).cost(pass);
    EXPECT_EQ(c.first_chunk_bytes, 272u);
    EXPECT_EQ(c.overlap_cycles, 144u);
    EXPECT_EQ(c.weight_load_bytes, 4352u) << "the same bytes, only their time moves";
    // 64 GB/s: 4.25 ns exposed, the other 63.75 ns under the 144-cycle window: 4.25 + 2 + 366
    // (63.75 ns saved). 1 GB/s: 272 + 128 + max(144, 4080) + (366 - 144) = 4702 (144 ns saved).
    const double expect = chunk + in + std::max(144.0, load - chunk) + (366 - 144);
    EXPECT_NEAR(pass_seconds(overlapped, hw, pass), expect * ns, 1e-15) << gbps;
    EXPECT_NEAR((load + in + 366) - expect, gbps == 64.0 ? 63.75 : 144.0, 1e-9);
    // Resident now: the second pass loads nothing in either mode.
    EXPECT_NEAR(pass_seconds(overlapped, hw, pass), (in + 366) * ns, 1e-15);
  }
}

TEST(EpurCost, NextLayerPrefetchHidesTheLoadExactlyWhenBothLayersFit) {
  const NetworkSpec net = tiny_lstm();
  const double ns = 1e-9;
  // 64 GB/s: a layer's 4352 B take 68 ns, less than a pass's 366 ns of compute.
  for (std::uint64_t buffer : {4096u, 2000u}) {  // per CU: both layers (2176 B) fit / only one
    HardwareConfig hw = tiny_hw(64, buffer);
    hw.config<EpurConfig>().weight_prefetch = WeightPrefetch::next_layer;
    EpurPlanner planner(hw, net);
    LayerPass p0 = whole_pass(net, 0, {4}), p1 = whole_pass(net, 1, {4});
    p0.last_layer = p1.last_layer = 1;
    PassPlan plan;
    planner.plan(p0, plan);
    const bool fits = buffer == 4096;
    // Layer 0 loads its own weights first (68 ns) and its inputs (2 ns), then layer 1's
    // weights under its compute.
    EXPECT_EQ(plan.totals.weight_load_bytes, fits ? 2 * 4352u : 4352u) << buffer;
    EXPECT_NEAR(plan_seconds(plan, hw), (68 + 2 + 366) * ns, 1e-15) << "the prefetch hides under 366 ns";
    planner.plan(p1, plan);
    EXPECT_EQ(plan.totals.weight_load_bytes, fits ? 0u : 4352u) << "counted once, in the pass that issued it";
    EXPECT_NEAR(plan_seconds(plan, hw), (fits ? 366 : 68 + 366) * ns, 1e-15);
  }
  // A command that ends at layer 0 prefetches nothing.
  HardwareConfig hw = tiny_hw(64, 4096);
  hw.config<EpurConfig>().weight_prefetch = WeightPrefetch::next_layer;
  EpurCostModel model(hw, net);
  LayerPass p0 = whole_pass(net, 0, {4});
  p0.last_layer = 0;
  EXPECT_EQ(model.cost(p0).prefetch_bytes, 0u);
  // Slow DRAM (1 GB/s): after the load and the inputs (4352 + 128 ns), the 4352 ns prefetch
  // is longer than the 366 ns compute and sets the pace.
  HardwareConfig slow = tiny_hw(1, 4096);
  slow.config<EpurConfig>().weight_prefetch = WeightPrefetch::next_layer;
  EpurPlanner planner(slow, net);
  p0.last_layer = 1;
  EXPECT_NEAR(pass_seconds(planner, slow, p0), (4352 + 128 + 4352) * ns, 1e-12);
}

TEST(EpurCost, DotProductLanesDivideDpuCyclesByTheVectorsThatShareAWeightFetch) {
  // H = I = 64, m = 16: rows per CU 64, one row ceil(64/16) = 4 cycles per vector, so a
  // step's DPU work is ceil(b/L) x 64 x 4; MFU gates ceil(b x 64 x 3 / 16), cell update
  // ceil(b x 64 x 5 / 64), latency 6.
  const NetworkSpec net = tiny_lstm(64);
  const std::uint64_t expect_step[3][2] = {
      {256 + 6 + 5, 1024 + 6 + 20},  // L=1: one slot 267, four slots 1050
      {256 + 6 + 5, 512 + 6 + 20},   // L=2: one slot unchanged, four slots halved DPU
      {256 + 6 + 5, 256 + 6 + 20},   // L=4: quartered
  };
  const int lanes[3] = {1, 2, 4};
  double reads_l1 = 0;
  for (int i = 0; i < 3; ++i) {
    HardwareConfig hw = tiny_hw(64, 1 << 20, 64);
    hw.config<EpurConfig>().dot_product_lanes = lanes[i];
    EpurCostModel model(hw, net);
    EXPECT_EQ(model.recurrent_step_cycles(1), expect_step[i][0]) << "L=" << lanes[i];
    EXPECT_EQ(model.recurrent_step_cycles(4), expect_step[i][1]) << "L=" << lanes[i];
    // Input half of 8 rows: ceil(8/L) x 64 x 4 + 6 = 2054, 1030, 518.
    EXPECT_EQ(model.input_half_cycles(0, 8), std::uint64_t(8 / lanes[i]) * 256 + 6);
    // MACs and weight-buffer reads do not change (the input buffer already shares a
    // fetch among its 8192 / 128 = 64 vectors; one read feeds every lane).
    const PassCost c = model.cost(whole_pass(net, 0, {2, 2, 2, 2}));
    if (i == 0) reads_l1 = c.wb_read_bytes;
    EXPECT_DOUBLE_EQ(c.wb_read_bytes, reads_l1);
    EXPECT_DOUBLE_EQ(c.macs, 8.0 * 4 * 64 * 128);
  }
}

TEST(EpurCost, DotProductLanesScaleTheDpuLeakageOfTheEnergyTable) {
  // Shipped table: dpu leakage 4 mW for 4 CUs with one lane each; 1000 MACs at 0.75 pJ.
  for (int lanes : {1, 2, 4}) {
    const Experiment e = eesen({{"hardware.dot_product_lanes", std::to_string(lanes)}});
    EpurPlanner planner(e.hardware, e.network);
    EnergyCounters counters;
    planner.set_capacities(counters);
    counters.add(counters.action("dpu", "mac_fp16"), 1000);
    const auto report = counters.report(e.energy, 1.0);
    EXPECT_DOUBLE_EQ(report.components.at("dpu").leakage_j, 4e-3 * lanes) << lanes << " lanes";
    EXPECT_DOUBLE_EQ(report.components.at("dpu").dynamic_j, 1000 * 0.75e-12) << "MAC energy per MAC unchanged";
    EXPECT_DOUBLE_EQ(report.components.at("mfu").leakage_j, 2e-3) << "only the DPU has lanes";
  }
}

TEST(EpurCost, NewHardwareKeysAreValidated) {
  // EESEN's widest input vector is 640 x 2 B: the 8 KiB input buffer holds 6.
  EXPECT_NO_THROW(eesen({{"hardware.dot_product_lanes", "6"}}));
  EXPECT_THROW(eesen({{"hardware.dot_product_lanes", "7"}}), InputError);
  EXPECT_THROW(eesen({{"hardware.dot_product_lanes", "0"}}), InputError);
  EXPECT_THROW(eesen({{"hardware.weight_streaming", "eager"}}), InputError);
  EXPECT_THROW(eesen({{"hardware.weight_prefetch", "all"}}), InputError);
  // A row of weights is (640 + 320) x 2 B = 1920 B: overlapped needs two.
  EXPECT_NO_THROW(eesen({{"hardware.weight_streaming", "overlapped"}, {"hardware.weight_buffer", "3840 B"}}));
  EXPECT_THROW(eesen({{"hardware.weight_streaming", "overlapped"}, {"hardware.weight_buffer", "3839 B"}}), InputError);
  const Experiment e = eesen({{"hardware.weight_streaming", "overlapped"}, {"hardware.weight_prefetch", "next_layer"}});
  EXPECT_EQ(e.hardware.config<EpurConfig>().weight_streaming, WeightStreaming::overlapped);
  EXPECT_EQ(e.hardware.config<EpurConfig>().weight_prefetch, WeightPrefetch::next_layer);
  const Experiment d = load_experiment(repo_path("configs/experiments/default.yaml"));
  EXPECT_EQ(d.hardware.config<EpurConfig>().weight_streaming, WeightStreaming::overlapped) << "the default";
  EXPECT_EQ(d.hardware.config<EpurConfig>().weight_prefetch, WeightPrefetch::next_layer) << "the default";
  EXPECT_EQ(eesen().hardware.config<EpurConfig>().dot_product_lanes, 1);
}

}  // namespace
}  // namespace ebatch
