// Unit tests of the untimed RNN datapath (hw/rnn_datapath) and the golden model
// (tb/golden_reference): hand-computed cells, datapath vs golden per precision, and the
// E-BATCH slot invariants (a sequence's results do not depend on its batch neighbours).
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/half.h"
#include "hw/rnn_datapath.h"
#include "tb/golden_reference.h"
#include "tests/unit/rnn_test_helpers.h"

namespace ebatch {
namespace {

using Eigen::Index;

using namespace rnn_test;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// ---------------------------------------------------------------------------------------
// Rounding helpers.

TEST(RnnHalf, RoundingMatchesEigenConversions) {
  std::vector<float> values = {0.0f,
                               -0.0f,
                               1.0f,
                               -1.0f,
                               65504.0f,
                               65519.99f,
                               65520.0f,
                               -65520.0f,
                               1e6f,
                               5.960464477539063e-08f /* 2^-24 */,
                               2.98e-08f,
                               2.99e-08f,
                               6.097555160522461e-05f /* largest fp16 subnormal */,
                               6.103515625e-05f /* 2^-14 */,
                               1.0f + 1.0f / 2048,
                               1.0f + 3.0f / 2048,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::max(),
                               3.3895314e38f};
  std::mt19937 gen(7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint32_t b = gen();
    float x;
    std::memcpy(&x, &b, sizeof x);
    values.push_back(x);
  }
  std::vector<float> v16 = values, vbf = values;
  round_in_place(Precision::fp16, v16.data(), v16.size());
  round_in_place(Precision::bf16, vbf.data(), vbf.size());
  // Bitwise comparison on purpose: rounding must reproduce signed zeros exactly.
  auto same = [](float a, float b) {
    return std::memcmp(&a, &b, sizeof a) == 0  // NOLINT(bugprone-suspicious-memory-comparison)
           || (std::isnan(a) && std::isnan(b));
  };
  int bad = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float x = values[i];
    const float e16 = static_cast<float>(Eigen::half(x));
    const float ebf = static_cast<float>(Eigen::bfloat16(x));
    if (!same(e16, v16[i]) || !same(e16, round_fp16(x)) || !same(ebf, vbf[i]) || !same(ebf, round_bf16(x))) {
      if (++bad < 5) ADD_FAILURE() << "value " << x << ": fp16 " << v16[i] << " vs " << e16;
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(round_fp16(65520.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(round_fp16(1.0f + 1.0f / 2048), 1.0f);  // tie to even
  EXPECT_EQ(round_to(Precision::fp32, 0.1f), 0.1f);
  EXPECT_TRUE(std::isnan(round_fp16(std::numeric_limits<float>::quiet_NaN())));
}

// ---------------------------------------------------------------------------------------
// Hand-checked tiny cells (H = I = 1), equations written out from PyTorch's documentation.

TEST(RnnDatapathHand, LstmOneUnitTwoSteps) {
  const NetworkSpec spec = make_spec(CellType::lstm, 1, 1, 1);
  RnnWeights w;
  w.spec = spec;
  // Distinct weights per gate (order i, f, g, o) so a gate mix-up changes the result.
  DirectionWeights d;
  d.w_ih = {0.5f, -0.25f, 0.75f, 1.0f};
  d.w_hh = {-0.5f, 0.4f, 0.3f, -0.2f};
  d.b_ih = {0.1f, 0.2f, -0.3f, 0.05f};
  d.b_hh = {-0.05f, 0.3f, 0.1f, 0.15f};
  w.layers = {{d}};
  const double xs[2] = {0.75, -1.5};  // exact in float

  // i = s(W_ii x + b_ii + W_hi h + b_hi), f = s(...f), g = tanh(...g), o = s(...o)
  // c' = f*c + i*g, h' = o*tanh(c')
  double h = 0.0, c = 0.0, expect_h[2], expect_c[2];
  auto pre = [&](int k, double x) { return double(d.w_ih[k]) * x + d.b_ih[k] + double(d.w_hh[k]) * h + d.b_hh[k]; };
  for (int t = 0; t < 2; ++t) {
    const double i = sigmoid(pre(0, xs[t])), f = sigmoid(pre(1, xs[t]));
    const double g = std::tanh(pre(2, xs[t])), o = sigmoid(pre(3, xs[t]));
    c = f * c + i * g;
    h = o * std::tanh(c);
    expect_h[t] = h;
    expect_c[t] = c;
  }

  // Layer datapath, step by step, checking h and the cell state.
  LayerDatapath dp(spec, d, 0, Precision::fp32);
  RowMatrix x(2, 1);
  x << float(xs[0]), float(xs[1]);
  RowMatrix gx(2, 4), out(2, 1);
  dp.input_half(x, gx);
  SlotState state = dp.make_state(1);
  for (int t = 0; t < 2; ++t) {
    dp.step(gx.middleRows(t, 1), {}, {}, state, out.middleRows(t, 1));
    EXPECT_NEAR(out(t, 0), expect_h[t], 1e-6) << "step " << t;
    EXPECT_NEAR(state.c(0, 0), expect_c[t], 1e-6) << "step " << t;
    EXPECT_EQ(state.h(0, 0), out(t, 0));
  }
  // Whole-sequence runner and golden model.
  const RowMatrix seq = run_sequence(w, x, Precision::fp32);
  const GoldenSequence gold = golden_run_sequence(w, to_nested(x));
  for (int t = 0; t < 2; ++t) {
    EXPECT_NEAR(seq(t, 0), expect_h[t], 1e-6);
    EXPECT_NEAR(gold[t][0], expect_h[t], 1e-12);
  }
}

TEST(RnnDatapathHand, GruOneUnitTwoStepsBhnInsideReset) {
  const NetworkSpec spec = make_spec(CellType::gru, 1, 1, 1);
  RnnWeights w;
  w.spec = spec;
  DirectionWeights d;  // gate order r, z, n
  d.w_ih = {0.6f, -0.4f, 0.9f};
  d.w_hh = {0.3f, 0.5f, -0.7f};
  d.b_ih = {-0.2f, 0.1f, 0.25f};
  d.b_hh = {0.15f, -0.3f, 0.8f};  // large b_hn: its placement matters
  w.layers = {{d}};
  const double xs[2] = {1.25, -0.625};  // exact in float

  // r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(...z)
  // n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h
  double h = 0.0, h_wrong = 0.0, expect[2];
  for (int t = 0; t < 2; ++t) {
    const double x = xs[t];
    const double r = sigmoid(d.w_ih[0] * x + d.b_ih[0] + d.w_hh[0] * h + d.b_hh[0]);
    const double z = sigmoid(d.w_ih[1] * x + d.b_ih[1] + d.w_hh[1] * h + d.b_hh[1]);
    const double n = std::tanh(d.w_ih[2] * x + d.b_ih[2] + r * (d.w_hh[2] * h + d.b_hh[2]));
    // A common mistake puts b_hn outside the reset gate.
    const double rw = sigmoid(d.w_ih[0] * x + d.b_ih[0] + d.w_hh[0] * h_wrong + d.b_hh[0]);
    const double zw = sigmoid(d.w_ih[1] * x + d.b_ih[1] + d.w_hh[1] * h_wrong + d.b_hh[1]);
    const double nw = std::tanh(d.w_ih[2] * x + d.b_ih[2] + d.b_hh[2] + rw * d.w_hh[2] * h_wrong);
    h = (1.0 - z) * n + z * h;
    h_wrong = (1.0 - zw) * nw + zw * h_wrong;
    expect[t] = h;
    ASSERT_GT(std::fabs(h - h_wrong), 1e-2) << "test weights do not discriminate b_hn";
  }
  RowMatrix x(2, 1);
  x << float(xs[0]), float(xs[1]);
  const RowMatrix seq = run_sequence(w, x, Precision::fp32);
  const GoldenSequence gold = golden_run_sequence(w, to_nested(x));
  for (int t = 0; t < 2; ++t) {
    EXPECT_NEAR(seq(t, 0), expect[t], 1e-6) << "step " << t;
    EXPECT_NEAR(gold[t][0], expect[t], 1e-12) << "step " << t;
  }
}

TEST(RnnDatapathHand, BidirectionalMergeAndOutputLayer) {
  // H = 1, bidirectional: forward over x0, x1; backward over x1, x0; sum merge; softmax of 2.
  NetworkSpec spec = make_spec(CellType::gru, 1, 1, 1, true, DirectionMerge::sum, 2, "softmax");
  RnnWeights w = make_weights(spec, 5);
  w.fc_w = {0.7f, -1.1f};
  w.fc_b = {0.2f, -0.1f};
  RowMatrix x(2, 1);
  x << 0.4f, -0.9f;
  auto cell = [&](const DirectionWeights& d, double xv, double h) {
    const double r = sigmoid(d.w_ih[0] * xv + d.b_ih[0] + d.w_hh[0] * h + d.b_hh[0]);
    const double z = sigmoid(d.w_ih[1] * xv + d.b_ih[1] + d.w_hh[1] * h + d.b_hh[1]);
    const double n = std::tanh(d.w_ih[2] * xv + d.b_ih[2] + r * (d.w_hh[2] * h + d.b_hh[2]));
    return (1.0 - z) * n + z * h;
  };
  const double f0 = cell(w.layers[0][0], x(0, 0), 0.0), f1 = cell(w.layers[0][0], x(1, 0), f0);
  const double b1 = cell(w.layers[0][1], x(1, 0), 0.0), b0 = cell(w.layers[0][1], x(0, 0), b1);
  const double merged[2] = {f0 + b0, f1 + b1};
  const NetworkOutputs out = run_network(w, x, Precision::fp32);
  const GoldenOutputs gold = golden_run_network(w, to_nested(x));
  ASSERT_EQ(out.output.rows(), 2);
  ASSERT_EQ(out.output.cols(), 2);
  for (int t = 0; t < 2; ++t) {
    EXPECT_NEAR(out.hidden(t, 0), merged[t], 1e-6);
    EXPECT_NEAR(gold.hidden[t][0], merged[t], 1e-12);
    const double l0 = double(w.fc_w[0]) * merged[t] + w.fc_b[0];
    const double l1 = double(w.fc_w[1]) * merged[t] + w.fc_b[1];
    const double p0 = std::exp(l0) / (std::exp(l0) + std::exp(l1));
    EXPECT_NEAR(out.output(t, 0), p0, 1e-6);
    EXPECT_NEAR(out.output(t, 1), 1.0 - p0, 1e-6);
    EXPECT_NEAR(gold.output[t][0], p0, 1e-12);
  }
  // Concat puts [fwd, bwd] side by side.
  spec.merge = DirectionMerge::concat;
  spec.output.size = 0;
  RnnWeights wc = w;
  wc.spec = spec;
  const RowMatrix cat = run_sequence(wc, x, Precision::fp32);
  ASSERT_EQ(cat.cols(), 2);
  EXPECT_NEAR(cat(0, 0), f0, 1e-6);
  EXPECT_NEAR(cat(0, 1), b0, 1e-6);
  EXPECT_NEAR(cat(1, 0), f1, 1e-6);
  EXPECT_NEAR(cat(1, 1), b1, 1e-6);
}

TEST(RnnDatapathHand, SigmoidOutputAndFp16RoundingOfWeights) {
  NetworkSpec spec = make_spec(CellType::lstm, 1, 1, 1, false, DirectionMerge::concat, 1, "sigmoid");
  RnnWeights w = make_weights(spec, 9);
  w.fc_w = {0.1f};  // not representable in fp16: rounds to 0.0999755859375
  w.fc_b = {0.0f};
  OutputDatapath o32(spec, w.fc_w, w.fc_b, Precision::fp32);
  OutputDatapath o16(spec, w.fc_w, w.fc_b, Precision::fp16);
  RowMatrix x(1, 1), y(1, 1);
  x << 2.0f;
  o32.forward(x, y);
  EXPECT_NEAR(y(0, 0), sigmoid(0.1f * 2.0), 1e-7);
  o16.forward(x, y);
  // logits = round16(2 * 0.0999755859375) = 0.199951171875; sigmoid then rounded to fp16.
  EXPECT_EQ(y(0, 0), static_cast<float>(Eigen::half(float(sigmoid(0.199951171875)))));
}

// The datapath's float sigmoid / tanh (Eigen's approximations) on one value.
float eigen_sigmoid(float x) { return (Eigen::ArrayXf::Constant(1, x).logistic())(0); }
float eigen_tanh(float x) { return (Eigen::ArrayXf::Constant(1, x).tanh())(0); }

// The documented fp16 rounding points, replayed by hand in float for H = I = 1.
TEST(RnnDatapathHand, Fp16RoundingPointsLstmAndGru) {
  auto r16 = [](float v) { return round_fp16(v); };
  // Inputs that are not fp16 values; enough steps that every rounding point shows.
  const int steps = 24;
  std::vector<float> xs(steps);
  for (int t = 0; t < steps; ++t) xs[t] = 2.3f * std::sin(1.3f * float(t) + 0.4f) + 0.01f;
  for (CellType cell : {CellType::lstm, CellType::gru}) {
    const NetworkSpec spec = make_spec(cell, 1, 1, 1);
    const int gates = spec.gates();
    DirectionWeights d;
    const float base[4][4] = {{0.1f, -0.7f, 0.3f, 0.9f},
                              {0.33f, 0.45f, -0.6f, -0.2f},
                              {-0.11f, 0.21f, 0.05f, 0.17f},
                              {0.07f, -0.13f, 0.71f, 0.3f}};
    for (int k = 0; k < gates; ++k) {
      d.w_ih.push_back(base[0][k]);
      d.w_hh.push_back(base[1][k]);
      d.b_ih.push_back(base[2][k]);
      d.b_hh.push_back(base[3][k]);
    }
    LayerDatapath dp(spec, d, 0, Precision::fp16);
    RowMatrix x(steps, 1), gx(steps, gates), out(steps, 1);
    for (int t = 0; t < steps; ++t) x(t, 0) = xs[t];
    dp.input_half(x, gx);
    SlotState st = dp.make_state(1);
    float h = 0.0f, c = 0.0f;
    for (int t = 0; t < steps; ++t) {
      float gxk[4], rec[4];
      for (int k = 0; k < gates; ++k) {
        gxk[k] = r16(r16(xs[t]) * r16(d.w_ih[k]) + r16(d.b_ih[k]));  // gx = round(x W + b_ih)
        rec[k] = h * r16(d.w_hh[k]) + r16(d.b_hh[k]);                // FP32, not rounded
        EXPECT_EQ(gx(t, k), gxk[k]) << "gx gate " << k;
      }
      if (cell == CellType::lstm) {
        float pre[4];
        for (int k = 0; k < 4; ++k) pre[k] = r16(gxk[k] + rec[k]);
        const float i = r16(eigen_sigmoid(pre[0])), f = r16(eigen_sigmoid(pre[1]));
        const float g = r16(eigen_tanh(pre[2])), o = r16(eigen_sigmoid(pre[3]));
        c = r16(f * c + i * g);
        h = r16(o * r16(eigen_tanh(c)));
      } else {
        const float r = r16(eigen_sigmoid(r16(gxk[0] + rec[0])));
        const float z = r16(eigen_sigmoid(r16(gxk[1] + rec[1])));
        const float hn = r16(rec[2]);
        const float n = r16(eigen_tanh(r16(gxk[2] + r * hn)));
        h = r16((1.0f - z) * n + z * h);
      }
      dp.step(gx.middleRows(t, 1), {}, {}, st, out.middleRows(t, 1));
      EXPECT_EQ(out(t, 0), h) << (cell == CellType::lstm ? "lstm" : "gru") << " step " << t;
      if (cell == CellType::lstm) {
        EXPECT_EQ(st.c(0, 0), c) << "step " << t;
      }
    }
  }
}

// Every value the fp16/bf16 datapath stores is a value of the format.
TEST(RnnDatapathPrecision, StoredValuesAreRepresentable) {
  for (CellType cell : {CellType::lstm, CellType::gru}) {
    for (Precision prec : {Precision::fp16, Precision::bf16}) {
      const NetworkSpec spec = make_spec(cell, 19, 29, 2, true, DirectionMerge::sum, 7, "softmax");
      const RnnWeights w = make_weights(spec, 8, 2.0);
      auto representable = [&](const RowMatrix& m) {
        for (Index i = 0; i < m.size(); ++i) {
          if (round_to(prec, m.data()[i]) != m.data()[i]) return false;
        }
        return true;
      };
      LayerDatapath dp(spec, w.layers[0][0], 0, prec);
      const RowMatrix x = make_inputs(6, 19, 4);
      RowMatrix gx(6, dp.gate_width()), out(6, 29);
      dp.input_half(x, gx);
      SlotState st = dp.make_state(2);
      for (int t = 0; t < 3; ++t) {
        dp.step(gx.middleRows(2 * t, 2), {}, {}, st, out.middleRows(2 * t, 2));
      }
      EXPECT_TRUE(representable(gx)) << to_string(prec);
      EXPECT_TRUE(representable(out)) << to_string(prec);
      EXPECT_TRUE(representable(st.h)) << to_string(prec);
      EXPECT_TRUE(representable(st.c)) << to_string(prec);
      EXPECT_TRUE(representable(dp.w_ih()) && representable(dp.w_hh()));
      const NetworkOutputs net = run_network(w, make_inputs(5, 19, 6), prec);
      EXPECT_TRUE(representable(net.hidden)) << "sum merge " << to_string(prec);
      EXPECT_TRUE(representable(net.output)) << "output layer " << to_string(prec);
      // Not vacuous: fp32 results are generally not representable.
      EXPECT_FALSE(representable(run_sequence(w, make_inputs(5, 19, 6), Precision::fp32)));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Datapath vs golden model on random networks.

class RnnDatapathVsGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RnnDatapathVsGolden, PrecisionsWithinTolerance) {
  const GoldenCase& p = GetParam();
  const int in = 40, hidden = 64, steps = 30, out_size = 29;
  const NetworkSpec spec = make_spec(p.cell, in, hidden, p.layers, p.bidirectional, p.merge, out_size, p.activation);
  const RnnWeights w = make_weights(spec, 1234 + p.layers, p.scale);
  const RowMatrix x = make_inputs(steps, in, 99);
  const GoldenOutputs gold = golden_run_network(w, to_nested(x));
  ASSERT_EQ(gold.hidden.size(), std::size_t(steps));
  ASSERT_EQ(gold.hidden[0].size(), std::size_t(spec.layer_output_size()));

  double err[3];
  int k = 0;
  for (Precision prec : {Precision::fp32, Precision::fp16, Precision::bf16}) {
    const NetworkOutputs out = run_network(w, x, prec);
    const Tolerance tol = tolerance_for(prec);
    const Comparison ch = compare_outputs(to_nested(out.hidden), gold.hidden, tol);
    const Comparison co = compare_outputs(to_nested(out.output), gold.output, tol);
    EXPECT_TRUE(ch.ok) << to_string(prec) << " hidden " << describe(ch);
    EXPECT_TRUE(co.ok) << to_string(prec) << " output " << describe(co);
    RecordProperty(std::string(to_string(prec)) + "_max_abs_err", std::to_string(ch.max_abs_err));
    err[k++] = ch.max_abs_err;
  }
  // Rounding really happens: fp16 clearly worse than fp32, bf16 worse than fp16.
  EXPECT_LT(err[0], 2e-6);
  EXPECT_GT(err[1], 1e-5);
  EXPECT_GT(err[1], 20 * err[0]);
  EXPECT_GT(err[2], 2 * err[1]);
}

INSTANTIATE_TEST_SUITE_P(RnnNetworks, RnnDatapathVsGolden, ::testing::ValuesIn(golden_cases()), golden_case_name);

// ---------------------------------------------------------------------------------------
// E-BATCH slot invariants.

class RnnDatapathBatching : public ::testing::TestWithParam<std::tuple<CellType, Precision>> {};

TEST_P(RnnDatapathBatching, SlotsGiveUnbatchedResultsBitwise) {
  const CellType cell = std::get<0>(GetParam());
  const Precision prec = std::get<1>(GetParam());
  // Odd sizes so rows of different slots sit at different alignments.
  const NetworkSpec spec = make_spec(cell, 23, 37, 2);
  const RnnWeights w = make_weights(spec, 77);
  const std::vector<int> lengths = {7, 12, 20, 5, 9, 3};
  std::vector<RowMatrix> seqs;
  for (std::size_t i = 0; i < lengths.size(); ++i) seqs.push_back(make_inputs(lengths[i], 23, i));
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

  NetworkDatapath net(w, prec);
  for (int window : {1, 4, 24}) {
    const std::vector<RowMatrix> batched = run_batched(w, prec, seqs, timeline, window, 777.0f);
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const RowMatrix alone = net.run_sequence(seqs[i]);
      EXPECT_TRUE(bitwise_equal(batched[i], alone))
          << "sequence " << i << " window " << window << " max diff " << max_abs_diff(batched[i], alone);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(RnnCellsAndPrecisions, RnnDatapathBatching,
                         ::testing::Combine(::testing::Values(CellType::lstm, CellType::gru),
                                            ::testing::Values(Precision::fp32, Precision::fp16, Precision::bf16)),
                         [](const ::testing::TestParamInfo<std::tuple<CellType, Precision>>& info) {
                           return std::string(std::get<0>(info.param) == CellType::lstm ? "Lstm" : "Gru") + "_" +
                                  to_string(std::get<1>(info.param));
                         });

TEST(RnnDatapathBatching, InputHalfWindowEqualsPerStepProducts) {
  const NetworkSpec spec = make_spec(CellType::lstm, 45, 33, 1);
  const RnnWeights w = make_weights(spec, 3);
  for (Precision prec : {Precision::fp32, Precision::fp16}) {
    LayerDatapath dp(spec, w.layers[0][0], 0, prec);
    const int slots = 5, window = 7;
    const RowMatrix x = make_inputs(window * slots, 45, 11);
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
    // And it is the affine map of the rounded weights (not just self-consistent).
    RowMatrix xr = x;
    round_in_place(prec, xr.data(), std::size_t(xr.size()));
    RowMatrix ref = (xr.cast<double>() * dp.w_ih().cast<double>().transpose()).cast<float>();
    ref.rowwise() += Eigen::Map<const RowVector>(w.layers[0][0].b_ih.data(), dp.gate_width());
    const double tol = prec == Precision::fp32 ? 1e-5 : 2e-2;
    EXPECT_LT(max_abs_diff(whole, ref), tol) << to_string(prec);
  }
}

TEST(RnnDatapathBatching, MaskKeepsStateAndResetZeroesIt) {
  const NetworkSpec spec = make_spec(CellType::lstm, 4, 6, 1);
  const RnnWeights w = make_weights(spec, 21);
  LayerDatapath dp(spec, w.layers[0][0], 0, Precision::fp32);
  const RowMatrix x = make_inputs(2, 4, 5);
  RowMatrix gx(2, dp.gate_width()), out(2, 6);
  dp.input_half(x, gx);
  SlotState st = dp.make_state(2);
  dp.step(gx, {1, 1}, {}, st, out);
  const RowMatrix h1 = st.h, c1 = st.c, out1 = out;
  // Slot 1 idle: its state and output row stay; slot 0 advances.
  dp.step(gx, {1, 0}, {}, st, out);
  EXPECT_TRUE(bitwise_equal(st.h.row(1), h1.row(1)));
  EXPECT_TRUE(bitwise_equal(st.c.row(1), c1.row(1)));
  EXPECT_TRUE(bitwise_equal(out.row(1), out1.row(1)));
  EXPECT_FALSE(bitwise_equal(st.h.row(0), h1.row(0)));
  // Reset slot 0: the step from zero state reproduces the first step's result.
  dp.step(gx, {1, 0}, {1, 0}, st, out);
  EXPECT_TRUE(bitwise_equal(st.h.row(0), h1.row(0)));
  EXPECT_TRUE(bitwise_equal(st.c.row(0), c1.row(0)));
  EXPECT_TRUE(bitwise_equal(out.row(0), out1.row(0)));
  // An all-idle step changes nothing.
  const RowMatrix h3 = st.h;
  dp.step(gx, {0, 0}, {}, st, out);
  EXPECT_TRUE(bitwise_equal(st.h, h3));
}

// ---------------------------------------------------------------------------------------
// Errors.

TEST(RnnDatapathErrors, RejectsUnsupportedPrecisionAndBadShapes) {
  const NetworkSpec spec = make_spec(CellType::gru, 3, 4, 2, false, DirectionMerge::concat, 2);
  RnnWeights w = make_weights(spec, 1);
  EXPECT_NO_THROW(LayerDatapath(spec, w.layers[0][0], 0, Precision::int8));  // quantised
  EXPECT_NO_THROW(NetworkDatapath(w, Precision::int8));
  EXPECT_THROW(LayerDatapath(spec, w.layers[0][0], 2, Precision::fp32), std::invalid_argument);
  // Layer 1's input width is H, not I.
  EXPECT_THROW(LayerDatapath(spec, w.layers[0][0], 1, Precision::fp32), std::invalid_argument);
  RnnWeights bad = w;
  bad.layers[1][0].b_hh.pop_back();
  EXPECT_THROW(NetworkDatapath(bad, Precision::fp16), std::invalid_argument);
  bad = w;
  bad.spec.output.activation = OutputActivation(99);  // outside the table
  EXPECT_THROW(NetworkDatapath(bad, Precision::fp32), std::invalid_argument);
  EXPECT_THROW(golden_run_network(bad, {{0.0, 0.0, 0.0}}), std::invalid_argument);

  LayerDatapath dp(spec, w.layers[0][0], 0, Precision::fp32);
  RowMatrix x(2, 3), gx_bad(2, 5), out(1, 4);
  x.setZero();
  EXPECT_THROW(dp.input_half(x, gx_bad), std::invalid_argument);
  RowMatrix gx(1, dp.gate_width());
  SlotState st = dp.make_state(1);
  EXPECT_THROW(dp.step(gx, {1, 1}, {}, st, out), std::invalid_argument);
  EXPECT_THROW(run_sequence(w, RowMatrix::Zero(3, 2), Precision::fp32), std::invalid_argument);
  EXPECT_THROW(golden_run_sequence(w, {{1.0, 2.0}}), std::invalid_argument);
  EXPECT_NO_THROW(tolerance_for(Precision::int8));
}

TEST(RnnDatapath, EmptySequenceGivesEmptyOutput) {
  const NetworkSpec spec = make_spec(CellType::lstm, 3, 4, 2, true, DirectionMerge::concat, 2);
  const RnnWeights w = make_weights(spec, 1);
  const NetworkOutputs out = run_network(w, RowMatrix(0, 3), Precision::fp16);
  EXPECT_EQ(out.hidden.rows(), 0);
  EXPECT_EQ(out.hidden.cols(), 8);
  EXPECT_EQ(out.output.rows(), 0);
  EXPECT_TRUE(golden_run_sequence(w, {}).empty());
}

// ---------------------------------------------------------------------------------------
// Golden comparison helpers.

TEST(GoldenCompare, ToleranceBoundaryNanAndShapes) {
  const Tolerance tol{1e-3, 1e-2};
  // Allowed error at reference 2.0 is 1e-3 + 2e-2 = 0.021.
  Comparison c = compare_outputs(std::vector<double>{0.0, 2.02}, {0.0, 2.0}, tol);
  EXPECT_TRUE(c.ok) << describe(c);
  EXPECT_NEAR(c.max_abs_err, 0.02, 1e-12);
  EXPECT_NEAR(c.max_rel_err, 0.01, 1e-12);
  EXPECT_EQ(c.worst_index, 1u);
  c = compare_outputs(std::vector<double>{0.0, 2.022}, {0.0, 2.0}, tol);
  EXPECT_FALSE(c.ok);
  c = compare_outputs(std::vector<double>{0.0011, 2.0}, {0.0, 2.0}, tol);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.worst_index, 0u);
  c = compare_outputs(std::vector<double>{std::nan(""), 2.0}, {0.0, 2.0}, tol);
  EXPECT_FALSE(c.ok);
  EXPECT_THROW(compare_outputs(std::vector<double>{1.0}, {1.0, 2.0}, tol), std::invalid_argument);
  EXPECT_THROW(compare_outputs(GoldenSequence{{1.0}}, GoldenSequence{{1.0, 2.0}}, tol), std::invalid_argument);
  EXPECT_TRUE(compare_outputs(GoldenSequence{{1.0, 2.0}, {3.0}}, {{1.0, 2.0}, {3.0}}, tol).ok);
}

TEST(GoldenCompare, TolerancesOrderedByPrecision) {
  const Tolerance t32 = tolerance_for(Precision::fp32), t16 = tolerance_for(Precision::fp16);
  const Tolerance tbf = tolerance_for(Precision::bf16);
  EXPECT_LE(t32.abs, 1e-5);
  EXPECT_LT(t32.abs, t16.abs);
  EXPECT_LT(t16.abs, tbf.abs);
  EXPECT_LT(t16.rel, tbf.rel);
}

}  // namespace
}  // namespace ebatch
