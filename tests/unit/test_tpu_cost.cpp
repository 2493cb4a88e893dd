// The systolic array's closed forms (hw/tpu/tpu_cost.h): SCALE-Sim's weight-stationary
// cycle count on odd shapes, the model's own pipeline worked out by hand on a tiny array,
// and the mapping of a layer pass onto GEMMs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/dram_timing.h"
#include "hw/tpu/tpu_cost.h"
#include "tests/test_support.h"

using namespace ebatch;
using ebatch::test::repo_path;

namespace {

HardwareConfig tpu(const std::vector<Override>& overrides = {}) {
  return load_hardware_config(repo_path("configs/hw/tpu_v1.yaml"), overrides);
}

std::uint64_t scalesim(std::uint64_t r, std::uint64_t c, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  const std::uint64_t folds = ((k + r - 1) / r) * ((n + c - 1) / c);
  return folds * (2 * r + c + m - 2);
}

// Layer 1, forward only: two slots, 5 and 3 steps in lockstep from offset 0.
LayerPass two_slot_pass() {
  LayerPass pass;
  pass.layer = 1;
  Segment a, b;
  a.slot = 0, a.begin = 0, a.end = 5, a.window_offset = 0;
  b.slot = 1, b.begin = 0, b.end = 3, b.window_offset = 0;
  pass.forward = {a, b};
  pass.forward_span = 5;
  return pass;
}

// Every field of a pass cost, for comparing two costs exactly in one assertion.
auto fields_of(const TpuPassCost& c) {
  return std::make_tuple(c.cycles, c.stall_cycles, c.weight_bytes, c.input_dram_bytes, c.output_dram_bytes, c.macs,
                         c.ub_read_bytes, c.ub_write_bytes, c.acc_read_bytes, c.acc_write_bytes, c.fifo_bytes,
                         c.act_ops, c.activations);
}

}  // namespace

TEST(TpuGemm, ScaleSimConventionOnOddShapes) {
  const HardwareConfig hw = tpu();
  struct Shape {
    std::uint64_t m, k, n, folds;
  };
  for (const Shape s : {Shape{1, 1, 1, 1}, Shape{1, 256, 256, 1}, Shape{1, 257, 256, 2}, Shape{7, 300, 513, 6},
                        Shape{100000, 640, 1280, 15}, Shape{3, 1, 1000, 4}}) {
    SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n));
    const GemmCost g = tpu_gemm(hw, s.m, s.k, s.n);
    EXPECT_EQ(g.folds, s.folds);
    EXPECT_EQ(g.compute_cycles, scalesim(256, 256, s.m, s.k, s.n));
    EXPECT_DOUBLE_EQ(g.macs, double(s.m) * double(s.k) * double(s.n));
    EXPECT_EQ(g.weight_bytes, s.k * s.n);  // int8
    EXPECT_LE(g.utilisation(), 1.0);
    EXPECT_GT(g.total_cycles, 0u);
  }
  EXPECT_EQ(tpu_gemm(hw, 1, 1, 1).compute_cycles, 767u);  // 2*256 + 256 + 1 - 2
  EXPECT_EQ(tpu_gemm(hw, 0, 5, 5).total_cycles, 0u);
}

TEST(TpuGemm, PipelineWorkedOutByHandOnAFourByFourArray) {
  // 4x4 array, 1 GHz, 1 GB/s: one weight byte per cycle, no DRAM latency.
  const HardwareConfig hw = tpu({{"array.rows", "4"},
                                 {"array.cols", "4"},
                                 {"frequency", "1 GHz"},
                                 {"dram.bandwidth", "1 GB/s"},
                                 {"dram.latency", "0 ns"},
                                 {"activation_width", "4"}});
  // (3 x 5) * (5 x 6): tiles 4x4 (16 B), 4x2 (8 B), 1x4 (4 B), 1x2 (2 B); a fold computes in
  // R + C + M - 2 = 9 cycles after its weights shift in for R = 4 cycles.
  // fold 0: fetched 0-16, shifted 16-20, computes 20-29
  // fold 1: fetched 16-24, shifts from 24 (fold 0 computing), computes 29-38
  // fold 2: fetched 24-28, shifts from 29, computes 38-47
  // fold 3: fetched 28-30, shifts from 38, computes 47-56
  const GemmCost g = tpu_gemm(hw, 3, 5, 6);
  EXPECT_EQ(g.folds, 4u);
  EXPECT_EQ(g.total_cycles, 56u);
  EXPECT_EQ(g.compute_cycles, 4u * (8 + 4 + 3 - 2));
  EXPECT_EQ(g.stall_cycles, 56u - (4 + 4 * 9));
  EXPECT_EQ(g.weight_bytes, 30u);
}

TEST(TpuGemm, SlowDramStallsAndFastDramDoesNot) {
  const HardwareConfig slow = tpu({{"dram.bandwidth", "1 GB/s"}});
  const HardwareConfig fast = tpu({{"dram.bandwidth", "10 TB/s"}, {"dram.latency", "0 ns"}});
  const GemmCost s = tpu_gemm(slow, 8, 1024, 1024), f = tpu_gemm(fast, 8, 1024, 1024);
  EXPECT_GT(s.stall_cycles, 10 * f.stall_cycles + 1000);
  // Fast DRAM: only the first tile's fetch is exposed: 64 KiB at 10 TB/s / 700 MHz
  // (14286 B per cycle) = 5 cycles, then the shift-in and 16 folds back to back.
  const std::uint64_t fold = 256 + 256 + 8 - 2;
  EXPECT_EQ(f.total_cycles, 5 + 256 + 16 * fold);
  // M much larger than the array: near-full utilisation when compute dominates.
  EXPECT_GT(tpu_gemm(fast, 1'000'000, 256, 256).utilisation(), 0.99);
}

TEST(TpuGemm, DeeperFifoNeverSlower) {
  std::uint64_t previous = ~0ull;
  for (const char* depth : {"1", "2", "4", "8"}) {
    const GemmCost g = tpu_gemm(tpu({{"weight_fifo_tiles", depth}}), 64, 2048, 2048);
    EXPECT_LE(g.total_cycles, previous) << "depth " << depth;
    previous = g.total_cycles;
  }
}

TEST(TpuCost, LayerPassIsInputHalfGemmPlusOneGemmPerStep) {
  // GEMMs one after another, without cross-GEMM prefetch (the default; TpuPrefetch below).
  const Experiment e =
      load_experiment(repo_path("configs/experiments/eesen_tpu.yaml"), {{"hardware.weight_prefetch", "off"}});
  const HardwareConfig& hw = e.hardware;
  const NetworkSpec& net = e.network;
  TpuCostModel model(hw, net);
  const LayerPass pass = two_slot_pass();
  const std::uint64_t h = 320, g4 = 4 * 320, in = 640;
  const TpuPassCost c = model.cost(pass);
  std::uint64_t cycles = tpu_gemm(hw, 8, in, g4).total_cycles;
  for (std::uint64_t active : {2, 2, 2, 1, 1})
    cycles += tpu_gemm(hw, active, h, g4).total_cycles + model.elementwise_cycles(active);
  EXPECT_EQ(c.cycles, cycles);
  EXPECT_EQ(c.weight_bytes, in * g4 + 5 * h * g4);  // W once, U every step
  EXPECT_DOUBLE_EQ(c.macs, 8.0 * double(g4) * double(in + h));
  EXPECT_EQ(c.input_dram_bytes, 0u);  // layer 1 reads the unified buffer
}

namespace {

// The fold-by-fold pipeline as it was before the steady-state skip (one entry per fold).
std::uint64_t fold_by_fold_total_cycles(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  const std::uint64_t r = std::uint64_t(hw.config<TpuConfig>().rows), c = std::uint64_t(hw.config<TpuConfig>().cols);
  const std::uint64_t bytes = std::uint64_t(bytes_per_value(hw.precision));
  const std::uint64_t row_folds = (k + r - 1) / r, col_folds = (n + c - 1) / c;
  const double bpc = dram_bytes_per_cycle(hw.dram, hw.frequency_hz);
  const std::uint64_t latency = dram_latency_cycles(hw.dram, hw.frequency_hz);
  const std::uint64_t depth = std::uint64_t(hw.config<TpuConfig>().weight_fifo_tiles);
  std::vector<std::uint64_t> shift_start(row_folds * col_folds);
  std::uint64_t fetch_end = 0, prev = 0, end = 0, i = 0;
  for (std::uint64_t rf = 0; rf < row_folds; ++rf)
    for (std::uint64_t cf = 0; cf < col_folds; ++cf, ++i) {
      const std::uint64_t kr = std::min(r, k - rf * r), nc = std::min(c, n - cf * c);
      std::uint64_t start = fetch_end;
      if (i >= depth) start = std::max(start, shift_start[i - depth]);
      fetch_end = start + std::uint64_t(std::ceil(double(kr * nc * bytes) / bpc)) + (i == 0 ? latency : 0);
      shift_start[i] = std::max(fetch_end, i ? prev : 0);
      const std::uint64_t compute_start = std::max(shift_start[i] + r, end);
      end = compute_start + r + c + m - 2;
      prev = compute_start;
    }
  return end;
}

}  // namespace

// Issue 17: folds in a steady state are added in one step (no per-fold storage), and the
// result is the fold-by-fold loop's, on shapes where the column and the row skips both apply.
TEST(TpuGemm, SteadyStateSkipEqualsTheFoldByFoldPipeline) {
  for (const auto& o : std::vector<std::vector<Override>>{
           {{"array.rows", "8"}, {"array.cols", "16"}},
           {{"array.rows", "8"}, {"array.cols", "16"}, {"dram.bandwidth", "1 GB/s"}, {"weight_fifo_tiles", "3"}},
           {{"array.rows", "4"}, {"array.cols", "4"}, {"weight_fifo_tiles", "1"}, {"dram.latency", "100 ns"}},
           {}}) {
    const HardwareConfig hw = tpu(o);
    for (std::uint64_t m : {1u, 7u, 300u})
      for (std::uint64_t k : {1u, 9u, 255u, 3001u})
        for (std::uint64_t n : {1u, 17u, 4000u}) {
          const GemmCost g = tpu_gemm(hw, m, k, n);
          EXPECT_EQ(g.total_cycles, fold_by_fold_total_cycles(hw, m, k, n)) << m << " " << k << " " << n;
        }
  }
  // 2^30 folds: answered without a vector of 2^30 entries (the old loop needed 8 GiB).
  const GemmCost huge = tpu_gemm(tpu(), 1, 8388608, 8388608);
  EXPECT_EQ(huge.folds, 1073741824u);
  EXPECT_GE(huge.total_cycles, huge.folds * (256 + 256 - 1));
}

// Issue 13, item 4: cross-GEMM prefetch (hardware.weight_prefetch: cross_gemm), worked out
// by hand. 4x4 array, 1 GHz, 2 GB/s (2 B per cycle), 4 ns latency (4 cycles), int8.
// GEMM (2 x 4) * (4 x 4): one fold, a 16 B tile fetched in 8 cycles, shifted in R = 4
// cycles, computed in R + C + M - 2 = 8 cycles.
// Off (each GEMM its own empty pipeline): fetch 0-12 (8 + latency 4), shift 12-16, compute
// 16-24: 24 cycles per GEMM, 48 for two.
// Cross-GEMM, the second GEMM continuing the first's pipeline (array free at 24): its tile is
// fetched from the end of the first's fetch, 12-24 (its own latency again), shifts 24-28
// (the first GEMM's fold computes, its weights already in the array), computes 28-36: 12
// cycles, 36 for two; with 6 cycles of element-wise work between them (array free at 30) it
// computes 30-38: 8 cycles, no stall at all.
TEST(TpuPrefetch, CrossGemmWorkedOutByHand) {
  const HardwareConfig hw = tpu({{"array.rows", "4"},
                                 {"array.cols", "4"},
                                 {"frequency", "1 GHz"},
                                 {"dram.bandwidth", "2 GB/s"},
                                 {"dram.latency", "4 ns"},
                                 {"weight_fifo_tiles", "2"}});
  ASSERT_EQ(dram_latency_cycles(hw.dram, hw.frequency_hz), 4u);
  ASSERT_DOUBLE_EQ(dram_bytes_per_cycle(hw.dram, hw.frequency_hz), 2.0);
  EXPECT_EQ(tpu_gemm(hw, 2, 4, 4).total_cycles, 24u);

  WeightPipeline p;
  const GemmCost first = tpu_gemm(hw, 2, 4, 4, p, 0);
  EXPECT_EQ(first.total_cycles, 24u) << "an empty pipeline is the GEMM without prefetch";
  EXPECT_EQ(first.stall_cycles, tpu_gemm(hw, 2, 4, 4).stall_cycles);
  const GemmCost second = tpu_gemm(hw, 2, 4, 4, p, 24);
  EXPECT_EQ(second.total_cycles, 12u);
  EXPECT_EQ(second.stall_cycles, 4u);  // 12 - one fold's 8
  EXPECT_EQ(second.weight_bytes, 16u);

  WeightPipeline q;
  tpu_gemm(hw, 2, 4, 4, q, 0);
  const GemmCost after_elementwise = tpu_gemm(hw, 2, 4, 4, q, 24 + 6);
  EXPECT_EQ(after_elementwise.total_cycles, 8u);
  EXPECT_EQ(after_elementwise.stall_cycles, 0u);
  EXPECT_EQ(q.compute_end, 38u);
}

// A layer pass with prefetch is its GEMMs on one pipeline, in the pass's order, each starting
// when the array is free (the element-wise work after a recurrent GEMM in between); never
// slower than without, the same weight bytes; the default (off) is unchanged.
TEST(TpuPrefetch, LayerPassChainsItsGemmsAndIsNeverSlower) {
  EXPECT_EQ(
      load_experiment(repo_path("configs/experiments/eesen_tpu.yaml")).hardware.config<TpuConfig>().weight_prefetch,
      TpuWeightPrefetch::cross_gemm)
      << "the default";
  Experiment e =
      load_experiment(repo_path("configs/experiments/eesen_tpu.yaml"), {{"hardware.weight_prefetch", "off"}});
  HardwareConfig on = e.hardware;
  on.config<TpuConfig>().weight_prefetch = TpuWeightPrefetch::cross_gemm;
  const NetworkSpec& net = e.network;
  const LayerPass pass = two_slot_pass();
  const std::uint64_t h = 320, g4 = 4 * 320, in = 640;
  const TpuPassCost off = TpuCostModel(e.hardware, net).cost(pass);
  const TpuPassCost chained = TpuCostModel(on, net).cost(pass);
  TpuCostModel model(on, net);
  WeightPipeline p;
  std::uint64_t cycles = tpu_gemm(on, 8, in, g4, p, 0).total_cycles;
  for (std::uint64_t active : {2, 2, 2, 1, 1}) {
    cycles += tpu_gemm(on, active, h, g4, p, cycles).total_cycles;
    cycles += model.elementwise_cycles(active);
  }
  EXPECT_EQ(chained.cycles, cycles);
  EXPECT_LT(chained.cycles, off.cycles);
  EXPECT_LT(chained.stall_cycles, off.stall_cycles);
  EXPECT_EQ(chained.weight_bytes, off.weight_bytes);
  EXPECT_DOUBLE_EQ(chained.macs, off.macs);
}

// The chained-GEMM memo (TpuCostModel::set_gemm_memo) changes no result: random passes (both
// directions, staggered segments, output rows) on the TPU with cross-GEMM prefetch, FIFO
// depths 1, 2 and 4, costed by a model with the memo and by one without, field by field; the
// memo must have been used (hits), or the comparison would test nothing.
TEST(TpuPrefetch, GemmMemoEqualsTheWorkedOutPipelineOnRandomPasses) {
  for (const char* depth : {"1", "2", "4"}) {
    const Experiment e =
        load_experiment(repo_path("configs/experiments/eesen_tpu.yaml"), {{"hardware.weight_fifo_tiles", depth}});
    const TpuCostModel memo(e.hardware, e.network), plain(e.hardware, e.network);
    plain.set_gemm_memo(false);
    std::mt19937_64 rng(7);
    const auto next = [&](std::uint64_t n) { return std::int64_t(rng() % n); };
    for (int trial = 0; trial < 400; ++trial) {
      LayerPass pass;
      pass.layer = int(next(std::uint64_t(e.network.num_layers)));
      for (auto* dir : {&pass.forward, &pass.backward}) {
        const int segments = int(next(5));
        std::int64_t& span = dir == &pass.forward ? pass.forward_span : pass.backward_span;
        for (int i = 0; i < segments; ++i) {
          Segment s;
          s.slot = i;
          s.window_offset = next(4);
          s.begin = 0;
          s.end = 1 + next(12);
          dir->push_back(s);
          span = std::max(span, s.window_offset + s.end);
        }
      }
      pass.output_rows = next(3) == 0 ? next(20) : 0;
      const TpuPassCost a = memo.cost(pass), b = plain.cost(pass);
      ASSERT_EQ(fields_of(a), fields_of(b)) << "trial " << trial << ", depth " << depth;
    }
    EXPECT_GT(memo.gemm_memo_hits(), 100u) << "depth " << depth;
    EXPECT_EQ(plain.gemm_memo_hits(), 0u);
  }
}
