// Unit tests of the int8 functional datapath (hw/rnn_datapath, the TPU-like array's
// quantisation scheme described in hw/rnn_datapath.h): hand-checked quantisation and
// dequantisation (known scales, zero rows), a hand replay of whole steps, exact int32
// accumulation over long rows, int8 vs the FP64 golden model, and the E-BATCH slot
// invariants (a sequence's results do not depend on its batch neighbours) for int8.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/rnn_datapath.h"
#include "tb/golden_reference.h"
#include "tests/unit/rnn_test_helpers.h"

namespace ebatch {
namespace {

using Eigen::Index;

using namespace rnn_test;

// The documented scheme, written independently of the datapath (scalar, std::nearbyint):
// s = max|v| / 127 (1 for a zero row), q = clamp(nearest-even(v / s), -127, 127).
struct Quantised {
  std::vector<int> q;
  float scale = 1.0f;
};
Quantised quantise(const std::vector<float>& v) {
  Quantised r;
  float max = 0.0f;
  for (float x : v) max = std::max(max, std::fabs(x));
  r.q.assign(v.size(), 0);
  if (max == 0.0f) return r;
  r.scale = max / 127.0f;
  for (std::size_t k = 0; k < v.size(); ++k) {
    r.q[k] = std::clamp(static_cast<int>(std::nearbyint(v[k] / r.scale)), -127, 127);
  }
  return r;
}

// Dequantised product of two quantised rows: float(acc) * (s_x * s_w).
float dequantised_dot(const Quantised& x, const Quantised& w) {
  std::int64_t acc = 0;
  for (std::size_t k = 0; k < x.q.size(); ++k) acc += std::int64_t(x.q[k]) * w.q[k];
  return static_cast<float>(acc) * (x.scale * w.scale);
}

std::vector<float> weight_row(const std::vector<float>& w, int row, int cols) {
  return std::vector<float>(w.begin() + std::size_t(row) * cols, w.begin() + std::size_t(row + 1) * cols);
}

// The datapath's float sigmoid / tanh (Eigen's approximations) on one value.
float eigen_sigmoid(float x) { return (Eigen::ArrayXf::Constant(1, x).logistic())(0); }
float eigen_tanh(float x) { return (Eigen::ArrayXf::Constant(1, x).tanh())(0); }

// ---------------------------------------------------------------------------------------
// Hand-checked quantisation.

// GRU, I = 2, H = 1: W_ih is 3 gate rows x 2, each with its own scale; one row is zero.
TEST(RnnDatapathInt8Hand, InputHalfPerGateRowScalesAndZeroRows) {
  const NetworkSpec spec = make_spec(CellType::gru, 2, 1, 1);
  DirectionWeights d;
  d.w_ih = {0.5f,  -0.254f,  // s = 0.5/127: codes 127, round(-64.516) = -65
            0.0f,  0.0f,     // zero row: s = 1, codes 0
            -0.3f, 0.1f};    // s = 0.3/127: codes -127, round(42.333) = 42
  d.w_hh = {0.2f, -0.4f, 0.6f};
  d.b_ih = {0.1f, -0.2f, 0.3f};
  d.b_hh = {0.0f, 0.0f, 0.0f};
  LayerDatapath dp(spec, d, 0, Precision::int8);
  EXPECT_EQ(dp.precision(), Precision::int8);

  // Weight codes and per-row scales.
  const int codes[3][2] = {{127, -65}, {0, 0}, {-127, 42}};
  const float scales[3] = {0.5f / 127.0f, 1.0f, 0.3f / 127.0f};
  ASSERT_EQ(dp.w_ih().rows(), 3);
  ASSERT_EQ(dp.w_ih().cols(), 2);
  ASSERT_EQ(dp.w_ih_scale().size(), 3);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(dp.w_ih_scale()(r), scales[r]) << "row " << r;
    for (int k = 0; k < 2; ++k) EXPECT_EQ(dp.w_ih()(r, k), float(codes[r][k])) << r << "," << k;
  }
  // W_hh: H = 1, one value per gate row: code +-127, scale |w| / 127.
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(std::fabs(dp.w_hh()(r, 0)), 127.0f);
    EXPECT_EQ(dp.w_hh_scale()(r), std::fabs(d.w_hh[r]) / 127.0f);
  }

  // Input rows: {1, 0.3}: s = 1/127, codes 127, round(38.1) = 38;
  // {0, 0}: zero row, s = 1, codes 0; {-0.02, 0.05}: s = 0.05/127, codes round(-50.8) = -51, 127.
  RowMatrix x(3, 2);
  x << 1.0f, 0.3f, 0.0f, 0.0f, -0.02f, 0.05f;
  const int xcodes[3][2] = {{127, 38}, {0, 0}, {-51, 127}};
  const float xscales[3] = {1.0f / 127.0f, 1.0f, 0.05f / 127.0f};
  RowMatrix gx(3, 3);
  dp.input_half(x, gx);
  for (int t = 0; t < 3; ++t) {
    for (int r = 0; r < 3; ++r) {
      const int acc = xcodes[t][0] * codes[r][0] + xcodes[t][1] * codes[r][1];
      const float expect = float(acc) * (xscales[t] * scales[r]) + d.b_ih[r];
      EXPECT_EQ(gx(t, r), expect) << "row " << t << " gate " << r;
      // And close to the unquantised affine map (quantisation error only).
      const double exact = double(x(t, 0)) * d.w_ih[2 * r] + double(x(t, 1)) * d.w_ih[2 * r + 1] + d.b_ih[r];
      EXPECT_NEAR(gx(t, r), exact, 5e-3);
    }
  }
  // Row 0, gate 0 by hand: acc = 127*127 - 65*38 = 13659.
  EXPECT_EQ(gx(0, 0), 13659.0f * ((1.0f / 127.0f) * (0.5f / 127.0f)) + 0.1f);
  // Zero rows dequantise to exactly the bias: zero weight row (gate 1) and zero input row.
  for (int t = 0; t < 3; ++t) EXPECT_EQ(gx(t, 1), d.b_ih[1]);
  for (int r = 0; r < 3; ++r) EXPECT_EQ(gx(1, r), d.b_ih[r]);
}

// Output layer with 1 x 2 weights: known scales, FP32 bias added after dequantisation.
TEST(RnnDatapathInt8Hand, OutputLayerOneByTwoWeights) {
  const NetworkSpec spec = make_spec(CellType::lstm, 1, 2, 1, false, DirectionMerge::concat, 1, "none");
  const std::vector<float> fc_w = {0.5f, -0.254f}, fc_b = {0.0625f};
  OutputDatapath out(spec, fc_w, fc_b, Precision::int8);
  RowMatrix x(2, 2), y(2, 1);
  x << 1.0f, 0.3f,  // s_x = 1/127, codes 127, 38
      0.0f, 0.0f;   // zero row
  out.forward(x, y);
  // s_w = 0.5/127, codes 127, -65; acc = 13659.
  EXPECT_EQ(y(0, 0), 13659.0f * ((1.0f / 127.0f) * (0.5f / 127.0f)) + 0.0625f);
  EXPECT_NEAR(y(0, 0), 0.5 - 0.254 * 0.3 + 0.0625, 2e-3);
  EXPECT_EQ(y(1, 0), 0.0625f);
  // A zero weight row gives exactly the bias whatever the input.
  OutputDatapath zero(spec, {0.0f, 0.0f}, fc_b, Precision::int8);
  zero.forward(x, y);
  EXPECT_EQ(y(0, 0), 0.0625f);
  EXPECT_EQ(y(1, 0), 0.0625f);
}

// Whole steps replayed by hand from the documented scheme (H = 1, I = 2), LSTM and GRU:
// every product quantised per row, everything else FP32, states kept in FP32.
TEST(RnnDatapathInt8Hand, StepReplayLstmAndGru) {
  const int steps = 20;
  std::vector<std::vector<float>> xs(steps);
  for (int t = 0; t < steps; ++t) {
    xs[t] = {2.3f * std::sin(1.3f * float(t) + 0.4f) + 0.01f, 0.7f * std::cos(0.9f * float(t))};
  }
  for (CellType cell : {CellType::lstm, CellType::gru}) {
    const NetworkSpec spec = make_spec(cell, 2, 1, 1);
    const int gates = spec.gates();
    DirectionWeights d;
    const float wih[4][2] = {{0.1f, -0.71f}, {0.33f, 0.45f}, {-0.6f, -0.2f}, {0.9f, 0.07f}};
    const float whh[4] = {0.33f, 0.45f, -0.6f, -0.2f};
    const float bih[4] = {-0.11f, 0.21f, 0.05f, 0.17f}, bhh[4] = {0.07f, -0.13f, 0.71f, 0.3f};
    for (int k = 0; k < gates; ++k) {
      d.w_ih.insert(d.w_ih.end(), {wih[k][0], wih[k][1]});
      d.w_hh.push_back(whh[k]);
      d.b_ih.push_back(bih[k]);
      d.b_hh.push_back(bhh[k]);
    }
    LayerDatapath dp(spec, d, 0, Precision::int8);
    RowMatrix x(steps, 2), gx(steps, gates), out(steps, 1);
    for (int t = 0; t < steps; ++t) x.row(t) << xs[t][0], xs[t][1];
    dp.input_half(x, gx);
    SlotState st = dp.make_state(1);
    float h = 0.0f, c = 0.0f;
    for (int t = 0; t < steps; ++t) {
      const Quantised qx = quantise(xs[t]), qh = quantise({h});
      float gxk[4], rec[4];
      for (int k = 0; k < gates; ++k) {
        gxk[k] = dequantised_dot(qx, quantise(weight_row(d.w_ih, k, 2))) + bih[k];
        rec[k] = dequantised_dot(qh, quantise({whh[k]})) + bhh[k];
        EXPECT_EQ(gx(t, k), gxk[k]) << "gx gate " << k << " step " << t;
      }
      if (cell == CellType::lstm) {
        float pre[4];
        for (int k = 0; k < 4; ++k) pre[k] = gxk[k] + rec[k];
        const float i = eigen_sigmoid(pre[0]), f = eigen_sigmoid(pre[1]);
        const float g = eigen_tanh(pre[2]), o = eigen_sigmoid(pre[3]);
        c = f * c + i * g;
        h = o * eigen_tanh(c);
      } else {
        const float r = eigen_sigmoid(gxk[0] + rec[0]), z = eigen_sigmoid(gxk[1] + rec[1]);
        const float n = eigen_tanh(gxk[2] + r * rec[2]);  // rec[2] = W_hn h + b_hn
        h = (1.0f - z) * n + z * h;
      }
      dp.step(gx.middleRows(t, 1), {}, {}, st, out.middleRows(t, 1));
      const char* name = cell == CellType::lstm ? "lstm" : "gru";
      EXPECT_EQ(out(t, 0), h) << name << " step " << t;
      EXPECT_EQ(st.h(0, 0), h) << name << " step " << t << ": h kept in FP32";
      if (cell == CellType::lstm) {
        EXPECT_EQ(st.c(0, 0), c) << "step " << t;
      }
    }
  }
}

// Partial sums far above 2^24 (where FP32 accumulation would round): the accumulation is
// exact, as in int32. Integer-valued rows with max |v| = 127 have scale 1 and codes = values.
TEST(RnnDatapathInt8, ExactInt32AccumulationOverLongRows) {
  const int k = 20001;  // 20 accumulation blocks of 1024
  const NetworkSpec spec = make_spec(CellType::lstm, 1, k, 1, false, DirectionMerge::concat, 3);
  std::vector<float> w(3 * std::size_t(k), 0.0f), x(k, 127.0f);
  std::mt19937 gen(3);
  std::uniform_int_distribution<int> code(-127, 127);
  for (int j = 0; j < k; ++j) {
    w[j] = j < 10000 ? 127.0f : (j < 20000 ? -127.0f : 1.0f);  // row 0: +, then -, then 1
    w[2 * std::size_t(k) + j] = float(code(gen));              // row 2: random; row 1: zero
    if (j >= 15000) x[j] = float(code(gen));
  }
  w[2 * std::size_t(k)] = 127.0f;
  const std::vector<float> b = {0.25f, -0.5f, 0.0f};
  OutputDatapath out(spec, w, b, Precision::int8);
  RowMatrix xm = Eigen::Map<const RowMatrix>(x.data(), 1, k), y(1, 3);
  out.forward(xm, y);
  for (int r = 0; r < 3; ++r) {
    std::int64_t acc = 0;
    float naive = 0.0f;  // sequential FP32 accumulation, for comparison
    for (int j = 0; j < k; ++j) {
      const float p = w[std::size_t(r) * k + j] * x[j];
      acc += std::int64_t(p);
      naive += p;
    }
    ASSERT_LT(std::llabs(acc), std::int64_t(1) << 31);
    EXPECT_EQ(y(0, r), static_cast<float>(acc) + b[r]) << "row " << r;
    if (r == 0) {
      ASSERT_NE(double(naive), double(acc)) << "case does not need exact accumulation";
    }
  }
  EXPECT_EQ(y(0, 1), -0.5f);  // zero row: the bias
  // 127^2 * K must fit the int32 accumulator.
  const int too_long = int(detail::Int8RowGemm::kMaxCols) + 1;
  const NetworkSpec big = make_spec(CellType::lstm, 1, too_long, 1, false, DirectionMerge::concat, 1);
  EXPECT_THROW(OutputDatapath(big, std::vector<float>(too_long, 1.0f), {0.0f}, Precision::int8), std::invalid_argument);
  EXPECT_NO_THROW(OutputDatapath(big, std::vector<float>(too_long, 1.0f), {0.0f}, Precision::fp32));
}

// Codes and scales of random weights; non-finite input rows give NaN, other rows unaffected.
TEST(RnnDatapathInt8, CodesScalesAndNonFiniteRows) {
  const NetworkSpec spec = make_spec(CellType::lstm, 21, 17, 1);
  const RnnWeights w = make_weights(spec, 4);
  LayerDatapath dp(spec, w.layers[0][0], 0, Precision::int8);
  struct M {
    const RowMatrix& codes;
    const RowVector& scales;
    const std::vector<float>& original;
  };
  for (const M& m :
       {M{dp.w_ih(), dp.w_ih_scale(), w.layers[0][0].w_ih}, M{dp.w_hh(), dp.w_hh_scale(), w.layers[0][0].w_hh}}) {
    ASSERT_EQ(m.codes.rows(), dp.gate_width());
    ASSERT_EQ(m.scales.size(), dp.gate_width());
    for (Index r = 0; r < m.codes.rows(); ++r) {
      EXPECT_EQ(m.codes.row(r).cwiseAbs().maxCoeff(), 127.0f) << "row " << r;
      for (Index k = 0; k < m.codes.cols(); ++k) {
        const float q = m.codes(r, k);
        EXPECT_EQ(q, std::nearbyint(q));
        const double orig = m.original[std::size_t(r * m.codes.cols() + k)];
        EXPECT_LE(std::fabs(double(q) * m.scales(r) - orig), 0.5001 * m.scales(r));
      }
    }
  }
  // The floating-point formats have no scales.
  LayerDatapath dp32(spec, w.layers[0][0], 0, Precision::fp32);
  EXPECT_EQ(dp32.w_ih_scale().size(), 0);

  RowMatrix x = make_inputs(3, 21, 2), gx(3, dp.gate_width());
  x(1, 4) = std::nanf("");
  dp.input_half(x, gx);
  EXPECT_TRUE(gx.row(1).array().isNaN().all());
  EXPECT_TRUE(gx.row(0).array().isFinite().all());
  EXPECT_TRUE(gx.row(2).array().isFinite().all());
  x(1, 4) = INFINITY;
  dp.input_half(x, gx);
  EXPECT_TRUE(gx.row(1).array().isNaN().all());
}

// ---------------------------------------------------------------------------------------
// int8 vs the FP64 golden model on random networks.

class RnnDatapathInt8VsGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RnnDatapathInt8VsGolden, WithinToleranceAndWorseThanFp32) {
  const GoldenCase& p = GetParam();
  const int in = 40, hidden = 64, steps = 30, out_size = 29;
  const NetworkSpec spec = make_spec(p.cell, in, hidden, p.layers, p.bidirectional, p.merge, out_size, p.activation);
  const RnnWeights w = make_weights(spec, 1234 + p.layers, p.scale);
  const RowMatrix x = make_inputs(steps, in, 99);
  const GoldenOutputs gold = golden_run_network(w, to_nested(x));

  const Tolerance tol = tolerance_for(Precision::int8);
  const NetworkOutputs q = run_network(w, x, Precision::int8);
  const Comparison ch = compare_outputs(to_nested(q.hidden), gold.hidden, tol);
  const Comparison co = compare_outputs(to_nested(q.output), gold.output, tol);
  EXPECT_TRUE(ch.ok) << "int8 hidden " << describe(ch);
  EXPECT_TRUE(co.ok) << "int8 output " << describe(co);
  RecordProperty("int8_max_abs_err", std::to_string(ch.max_abs_err));

  const NetworkOutputs f = run_network(w, x, Precision::fp32);
  const Comparison c32 = compare_outputs(to_nested(f.hidden), gold.hidden, tolerance_for(Precision::fp32));
  EXPECT_TRUE(c32.ok) << describe(c32);
  // Quantisation really happens: int8 is far from fp32 (measured 6e-4 .. 1.6e-2 here).
  EXPECT_GT(ch.max_abs_err, 2e-4);
  EXPECT_GT(ch.max_abs_err, 100 * c32.max_abs_err);
  // And the tolerance is not what keeps it in: well inside the bound.
  EXPECT_LT(ch.max_abs_err, tol.abs / 3);
}

INSTANTIATE_TEST_SUITE_P(RnnNetworks, RnnDatapathInt8VsGolden, ::testing::ValuesIn(golden_cases()), golden_case_name);

TEST(RnnDatapathInt8VsGolden, ToleranceOrderedAfterFloatFormats) {
  const Tolerance t8 = tolerance_for(Precision::int8), tbf = tolerance_for(Precision::bf16);
  EXPECT_GE(t8.abs, tbf.abs);
  EXPECT_GE(t8.rel, tbf.rel);
  EXPECT_LE(t8.abs, 0.25);  // still rejects gross errors on |h| <= 1
}

// ---------------------------------------------------------------------------------------
// E-BATCH slot invariants for int8.

class RnnDatapathInt8Batching : public ::testing::TestWithParam<CellType> {};

TEST_P(RnnDatapathInt8Batching, SlotsGiveUnbatchedResultsBitwise) {
  const CellType cell = GetParam();
  // Odd sizes so rows of different slots sit at different alignments.
  const NetworkSpec spec = make_spec(cell, 23, 37, 2);
  const RnnWeights w = make_weights(spec, 77);
  const std::vector<int> lengths = {7, 12, 20, 5, 9, 3};
  std::vector<RowMatrix> seqs;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    seqs.push_back(make_inputs(lengths[i], 23, i));
    seqs.back() *= float(i + 1);  // per-row scales differ between the slots' rows
  }
  // Slot 0: seq 0 then seq 1 back to back; slot 1: idle 2 steps, seq 2; slot 2: seq 3,
  // idle 3, seq 4, seq 5 back to back.
  const int steps = 24;
  std::vector<std::vector<SlotStep>> timeline(3, std::vector<SlotStep>(steps));
  auto place = [&](int slot, int seq, int start) {
    for (int t = 0; t < lengths[seq]; ++t) timeline[slot][start + t] = {seq, t};
  };
  place(0, 0, 0);
  place(0, 1, 7);
  place(1, 2, 2);
  place(2, 3, 0);
  place(2, 4, 8);
  place(2, 5, 17);

  NetworkDatapath net(w, Precision::int8);
  const RowMatrix alone32 = run_sequence(w, seqs[2], Precision::fp32);
  for (int window : {1, 4, 24}) {
    const std::vector<RowMatrix> batched = run_batched(w, Precision::int8, seqs, timeline, window, 777.0f);
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const RowMatrix alone = net.run_sequence(seqs[i]);
      EXPECT_TRUE(bitwise_equal(batched[i], alone))
          << "sequence " << i << " window " << window << " max diff " << max_abs_diff(batched[i], alone);
    }
    // Not vacuous: int8 differs from fp32.
    EXPECT_GT(max_abs_diff(batched[2], alone32), 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(RnnCells, RnnDatapathInt8Batching, ::testing::Values(CellType::lstm, CellType::gru),
                         [](const ::testing::TestParamInfo<CellType>& info) {
                           return std::string(info.param == CellType::lstm ? "Lstm" : "Gru");
                         });

// The input half of a window equals per-step and per-row products, bitwise, also with
// operands wider than one accumulation block (I = 1500) and mixed row magnitudes.
TEST(RnnDatapathInt8Batching, InputHalfRowsIndependentOfTheBlock) {
  for (int in : {45, 1500}) {
    const NetworkSpec spec = make_spec(CellType::lstm, in, 33, 1);
    const RnnWeights w = make_weights(spec, 3);
    LayerDatapath dp(spec, w.layers[0][0], 0, Precision::int8);
    const int slots = 5, window = 7;
    RowMatrix x = make_inputs(window * slots, in, 11);
    for (Index r = 0; r < x.rows(); ++r) x.row(r) *= std::pow(2.0f, float(r % 7) - 3.0f);
    x.row(3).setZero();
    RowMatrix whole(window * slots, dp.gate_width()), part(slots, dp.gate_width());
    RowMatrix one(1, dp.gate_width());
    dp.input_half(x, whole);
    for (int k = 0; k < window; ++k) {
      dp.input_half(x.middleRows(k * slots, slots), part);
      EXPECT_TRUE(bitwise_equal(part, whole.middleRows(k * slots, slots))) << "step " << k;
      for (int s = 0; s < slots; ++s) {
        dp.input_half(x.middleRows(k * slots + s, 1), one);
        EXPECT_TRUE(bitwise_equal(one, whole.middleRows(k * slots + s, 1)));
      }
    }
    // A zero input row gives exactly b_ih.
    EXPECT_TRUE(bitwise_equal(whole.row(3), Eigen::Map<const RowVector>(w.layers[0][0].b_ih.data(), dp.gate_width())));
    // Close to the FP32 affine map (quantisation error only).
    RowMatrix ref =
        (x.cast<double>() *
         Eigen::Map<const RowMatrix>(w.layers[0][0].w_ih.data(), dp.gate_width(), in).cast<double>().transpose())
            .cast<float>();
    ref.rowwise() += Eigen::Map<const RowVector>(w.layers[0][0].b_ih.data(), dp.gate_width());
    const double rel = max_abs_diff(whole, ref) / ref.cwiseAbs().maxCoeff();
    EXPECT_LT(rel, 2e-2) << "I=" << in;
    EXPECT_GT(rel, 1e-5) << "I=" << in;
  }
}

}  // namespace
}  // namespace ebatch
