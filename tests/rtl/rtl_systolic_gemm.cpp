// The RTL systolic array (hw/rtl/systolic/) against the int8 datapath and the closed form:
// outputs bit for bit, cycles per fold and per GEMM as hw/tpu/tpu_cost.h counts them.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "hw/rnn_datapath.h"
#include "hw/tpu/tpu_cost.h"
#include "tests/rtl/rtl_systolic_support.h"

using namespace ebatch;
using ebatch::rtl::SystolicGemm;
using ebatch::test::systolic_array;
using ebatch::test::tpu_array;

namespace {

SystolicGemm random_gemm(std::mt19937& rng, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  SystolicGemm g;
  g.m = m;
  g.k = k;
  g.n = n;
  std::uniform_int_distribution<int> v(-128, 127);
  for (std::uint64_t i = 0; i < m * k; ++i) g.x.push_back(std::int8_t(v(rng)));
  for (std::uint64_t i = 0; i < k * n; ++i) g.w.push_back(std::int8_t(v(rng)));
  // The extremes, wherever the shape has room: -128 * -128 and 127 * -128 products.
  g.x[0] = -128;
  g.w[0] = -128;
  g.x[m * k - 1] = 127;
  g.w[k * n - 1] = -128;
  return g;
}

}  // namespace

// By hand, on the 4x4 array: Y = X (2 x 3) * W (3 x 2), one fold (K = 3 <= 4, N = 2 <= 4).
//  Y[0] = [1*1 - 2*3 + 3*5, 1*2 - 2*4 + 3*6] = [10, 12]
//  Y[1] = [-128*1 + 127*3 + 0*5, -128*2 + 127*4 + 0*6] = [253, 252]
// Cycles: the tile shifts in over R = 4 edges (0-3); edge 4 swaps it in and samples X's row
// 0; row m reaches PE(i, j) at edge 4 + m + i + j; the last, PE(3, 3) for row 1, at edge
// 4 + 1 + 3 + 3 = 11: the fold takes edges 4-11, R + C + M - 2 = 4 + 4 + 2 - 2 = 8, and the
// GEMM edges 0-11, R + 8 = 12 (SCALE-Sim's 2R + C + M - 2 = 12 too, for one fold).
TEST(RtlSystolicGemm, HandWorkedOneFold) {
  SystolicGemm g;
  g.m = 2;
  g.k = 3;
  g.n = 2;
  g.x = {1, -2, 3, -128, 127, 0};
  g.w = {1, 2, 3, 4, 5, 6};
  const auto r = systolic_array(4).gemm(g);
  EXPECT_EQ(r.y, (std::vector<std::int32_t>{10, 12, 253, 252}));
  EXPECT_EQ(r.folds, 1u);
  EXPECT_EQ(r.fold_cycles, (std::vector<std::uint64_t>{8}));
  EXPECT_EQ(r.cycles, 12u);
}

// By hand, K = 5 on the 4x4 array: two row folds (rows 0-3 of W, then row 4 and three zero
// rows), M = 2, N = 1. Overlapped: fold 0 on edges 4-11 (as above), fold 1's tile shifts in
// on edges 5-8 and swaps in on edge 12, the edge after fold 0's last output: edges 12-19,
// GEMM 4 + 2 * 8 = 20 edges. Serial (SCALE-Sim): fold 1's tile shifts in only on edges
// 12-15, its fold runs on edges 16-23: 2 * (2*4 + 4 + 2 - 2) = 24 edges.
// Y = [1+2+3+4+5, -(1+2+3+4+5)] with X = [[1,1,1,1,1], [-1,-1,-1,-1,-1]], W = [1..5]^T.
TEST(RtlSystolicGemm, HandWorkedTwoFoldsOverlappedAndSerial) {
  SystolicGemm g;
  g.m = 2;
  g.k = 5;
  g.n = 1;
  g.x = {1, 1, 1, 1, 1, -1, -1, -1, -1, -1};
  g.w = {1, 2, 3, 4, 5};
  auto r = systolic_array(4).gemm(g);
  EXPECT_EQ(r.y, (std::vector<std::int32_t>{15, -15}));
  EXPECT_EQ(r.fold_cycles, (std::vector<std::uint64_t>{8, 8}));
  EXPECT_EQ(r.cycles, 20u);
  g.overlap = false;
  r = systolic_array(4).gemm(g);
  EXPECT_EQ(r.y, (std::vector<std::int32_t>{15, -15}));
  EXPECT_EQ(r.fold_cycles, (std::vector<std::uint64_t>{8, 8}));
  EXPECT_EQ(r.cycles, 24u);
}

// Seeded random GEMMs, shapes not multiples of the array, int8 extremes: the RTL equals the
// int32 reference bit for bit; every fold takes R + C + M - 2 edges; the GEMM takes the
// closed form's cycles without DRAM stalls (overlapped) and SCALE-Sim's (serial).
TEST(RtlSystolicGemm, RandomGemmsBitExactAndCyclesAsClosedForm) {
  std::mt19937 rng(16);
  for (const int s : {4, 8, 16}) {
    const HardwareConfig hw = tpu_array(s);
    std::uniform_int_distribution<std::uint64_t> md(1, 20), kd(1, 3 * std::uint64_t(s) + 3);
    for (int trial = 0; trial < 6; ++trial) {
      const std::uint64_t m = md(rng), k = kd(rng), n = kd(rng);
      SystolicGemm g = random_gemm(rng, m, k, n);
      g.overlap = trial % 2 == 0;
      SCOPED_TRACE(std::to_string(s) + "x" + std::to_string(s) + " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                   " n=" + std::to_string(n) + (g.overlap ? " overlap" : " serial"));
      const auto r = systolic_array(s).gemm(g);
      EXPECT_EQ(r.y, rtl::reference_gemm(g));
      const GemmCost c = tpu_gemm(hw, m, k, n);
      ASSERT_EQ(r.folds, c.folds);
      const std::uint64_t fold = std::uint64_t(2 * s) + m - 2;  // R + C + M - 2
      EXPECT_EQ(c.compute_cycles, c.folds * (std::uint64_t(s) + fold));
      for (const auto f : r.fold_cycles) EXPECT_EQ(f, fold);
      EXPECT_EQ(r.cycles, g.overlap ? c.total_cycles - c.stall_cycles : c.compute_cycles);
    }
  }
}

// int32 accumulation at the int8 extremes, by hand on the 16x16 array (one fold, K = 16):
//  Y[0][j] = 16 * (-128 * -128) = 262144, Y[1][j] = 16 * (127 * -128) = -260096.
TEST(RtlSystolicGemm, ExtremeProductsPerFold) {
  SystolicGemm g;
  g.m = 2;
  g.k = 16;
  g.n = 16;
  g.x.assign(32, -128);
  for (int i = 16; i < 32; ++i) g.x[std::size_t(i)] = 127;
  g.w.assign(256, -128);
  const auto r = systolic_array(16).gemm(g);
  EXPECT_EQ(r.y[0], 16 * 128 * 128);    // 262144
  EXPECT_EQ(r.y[16], -16 * 127 * 128);  // -260096
  EXPECT_EQ(r.y, rtl::reference_gemm(g));
}

// The int8 datapath (hw/rnn_datapath.h, Int8RowGemm: the functional path of the TPU) on
// real-valued operands: quantised codes through the RTL, dequantised as the datapath does
// (float(acc) * (s_w * s_x)), equal its outputs bit for bit, including K > 1024 (the
// datapath's block-wise int32 sum).
TEST(RtlSystolicGemm, EqualsTheInt8DatapathBitForBit) {
  std::mt19937 rng(1601);
  std::normal_distribution<float> v(0.0f, 1.0f);
  struct Shape {
    int s;
    Eigen::Index m, k, n;
  };
  for (const Shape sh : {Shape{4, 3, 7, 5}, Shape{8, 9, 19, 13}, Shape{16, 5, 37, 21}, Shape{16, 2, 1030, 3}}) {
    SCOPED_TRACE(std::to_string(sh.s) + " k=" + std::to_string(sh.k));
    RowMatrix w(sh.n, sh.k);  // the datapath's weights: one row per output (N x K)
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = v(rng);
    detail::Int8RowGemm dp(w);
    dp.prepare(sh.m);
    RowMatrix x(sh.m, sh.k);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = v(rng);
    dp.input().topRows(sh.m) = x;
    dp.run(sh.m);
    // The same quantisation for the RTL's operands.
    SystolicGemm g;
    g.m = std::uint64_t(sh.m);
    g.k = std::uint64_t(sh.k);
    g.n = std::uint64_t(sh.n);
    std::vector<float> sx(std::size_t(sh.m));
    RowMatrix xq = x;
    for (Eigen::Index i = 0; i < sh.m; ++i)
      sx[std::size_t(i)] = detail::quantise_int8(x.row(i).data(), sh.k, xq.row(i).data());
    for (Eigen::Index i = 0; i < xq.size(); ++i) g.x.push_back(std::int8_t(xq.data()[i]));
    for (Eigen::Index kk = 0; kk < sh.k; ++kk)
      for (Eigen::Index j = 0; j < sh.n; ++j) g.w.push_back(std::int8_t(dp.codes()(j, kk)));
    const auto r = systolic_array(sh.s).gemm(g);
    for (Eigen::Index i = 0; i < sh.m; ++i)
      for (Eigen::Index j = 0; j < sh.n; ++j) {
        const float y = float(r.y[std::size_t(i * sh.n + j)]) * (dp.scales()(j) * sx[std::size_t(i)]);
        const float want = dp.output()(i, j);
        EXPECT_EQ(std::memcmp(&y, &want, sizeof y), 0) << "row " << i << " col " << j << ": " << y << " vs " << want;
      }
  }
}
