// Unit tests of the greedy-decoding pieces (issue 14 item 4): argmax, the embedding lookup,
// hw/rnn_datapath's GreedyStepper and tb/golden_reference's golden_greedy_decode, on small
// networks whose token sequences are worked out by hand, and against each other.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "hw/rnn_datapath.h"
#include "tb/golden_reference.h"
#include "tests/unit/rnn_test_helpers.h"

namespace ebatch {
namespace {

using namespace rnn_test;

TEST(GreedyArgmax, TiesToTheLowestIndexAndNanNeverWins) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> tie = {1.0f, 3.0f, 3.0f}, first = {5.0f, 5.0f}, nan_first = {nan, 2.0f, 1.0f},
                           all_nan = {nan, nan}, negative = {-3.0f, -1.0f, -2.0f};
  EXPECT_EQ(argmax(tie.data(), 3), 1);
  EXPECT_EQ(argmax(first.data(), 2), 0);
  EXPECT_EQ(argmax(nan_first.data(), 3), 1);
  EXPECT_EQ(argmax(all_nan.data(), 2), 0);
  EXPECT_EQ(argmax(negative.data(), 3), 1);
  RowVector v(4);
  v << 0.5f, -1.0f, 0.75f, 0.75f;
  EXPECT_EQ(argmax(v), 2);
  EXPECT_THROW(argmax(tie.data(), 0), std::invalid_argument);
}

// The hand-worked decoder: GRU, embedding size = input 2, H = 2, vocabulary 3 (bos 0, eos 1),
// one layer, W_hh = 0, b_hh = 0, so the recurrent products vanish:
//   r = sigmoid(W_r x) (irrelevant: r multiplies W_hn h + b_hn = 0)
//   z = sigmoid(W_z x + b_z),  n = tanh(W_n x) with W_n = I,  h' = (1 - z) n + z h.
// Embedding rows: e(0) = (1, 0), e(1) = (0, 0), e(2) = (0, 1).
// Output layer (3 x 2) W_fc = [[0, 0], [0, 1], [1, 0]], b_fc = (0.1, 0, 0), softmax.
RnnWeights hand_decoder(float b_z) {
  NetworkSpec spec = make_spec(CellType::gru, 2, 2, 1, false, DirectionMerge::concat, 3, "softmax");
  spec.name = "hand_decoder";
  spec.embedding = {3, 2, 0, 1};
  RnnWeights w;
  w.spec = spec;
  w.layers.assign(1, std::vector<DirectionWeights>(1));
  DirectionWeights& d = w.layers[0][0];
  d.w_ih = {0, 0, 0, 0,   // r
            0, 0, 0, 0,   // z
            1, 0, 0, 1};  // n: identity
  d.b_ih = {0, 0, b_z, b_z, 0, 0};
  d.w_hh.assign(12, 0.0f);
  d.b_hh.assign(6, 0.0f);
  w.fc_w = {0, 0, 0, 1, 1, 0};
  w.fc_b = {0.1f, 0, 0};
  w.embedding = {1, 0, 0, 0, 0, 1};
  return w;
}

// z = sigmoid(-30) ~ 9e-14: h' = n = tanh(e(token)) (1 - z rounds to 1 in FP32).
//   step 1: from bos 0: h = (tanh 1, 0) = (0.761594, 0); logits (0.1, 0, 0.761594) -> token 2
//   step 2: from 2:     h = (0, 0.761594);           logits (0.1, 0.761594, 0) -> token 1 = eos
TEST(GreedyDecodeHand, ZeroStateDecodesTwoThenEos) {
  const RnnWeights w = hand_decoder(-30.0f);
  const double t1 = std::tanh(1.0);
  GreedyStepper stepper(w, Precision::fp32);
  DecoderState state = stepper.zero_state();
  ASSERT_EQ(state.layers.size(), 1u);
  GreedyStep s = stepper.step(0, state);
  EXPECT_EQ(s.token, 2);
  EXPECT_NEAR(s.hidden(0), t1, 1e-6);
  EXPECT_NEAR(s.hidden(1), 0.0, 1e-6);
  EXPECT_NEAR(s.logits(0), 0.1, 1e-7);
  EXPECT_NEAR(s.logits(2), t1, 1e-6);
  const double sum = std::exp(double(0.1f)) + 1.0 + std::exp(t1);  // b_fc(0) is the float 0.1f
  EXPECT_NEAR(s.output(2), std::exp(t1) / sum, 1e-6);
  EXPECT_NEAR(state.layers[0].h(0, 0), t1, 1e-6) << "the state is updated in place";
  s = stepper.step(s.token, state);
  EXPECT_EQ(s.token, 1);
  EXPECT_NEAR(s.hidden(1), t1, 1e-6);

  const GoldenDecoded g = golden_greedy_decode(w, {}, w.spec.embedding.bos_token, w.spec.embedding.eos_token, 10);
  EXPECT_EQ(g.tokens, (std::vector<int>{2, 1})) << "eos included, then stop";
  EXPECT_TRUE(g.reached_eos);
  ASSERT_EQ(g.hidden.size(), 2u);
  ASSERT_EQ(g.logits.size(), 2u);
  ASSERT_EQ(g.output.size(), 2u);
  EXPECT_NEAR(g.hidden[0][0], t1, 1e-12);
  EXPECT_NEAR(g.hidden[1][1], t1, 1e-12);
  EXPECT_NEAR(g.logits[1][1], t1, 1e-12);
  EXPECT_NEAR(g.output[0][2], std::exp(t1) / sum, 1e-12);
  EXPECT_NEAR(g.final_state[0].h[1], t1, 1e-12);

  // The maximum length stops first: one token, no eos.
  const GoldenDecoded one = golden_greedy_decode(w, {}, 0, 1, 1);
  EXPECT_EQ(one.tokens, (std::vector<int>{2}));
  EXPECT_FALSE(one.reached_eos);
  EXPECT_TRUE(golden_greedy_decode(w, {}, 0, 1, 0).tokens.empty());
}

// Encoder hand-off: b_z = 0, so z = 0.5 and h' = 0.5 n + 0.5 h. From h0 = (0, 1.5) and bos 0:
//   n = (tanh 1, 0); h1 = (0.380797, 0.75); logits (0.1, 0.75, 0.380797) -> token 1 = eos at once,
// where the zero state gives h1 = (0.380797, 0), logits (0.1, 0, 0.380797) -> token 2.
TEST(GreedyDecodeHand, HandedOverStateChangesTheTokens) {
  const RnnWeights w = hand_decoder(0.0f);
  const double h1 = 0.5 * std::tanh(1.0);
  GreedyStepper stepper(w, Precision::fp32);
  DecoderState state = stepper.zero_state();
  state.layers[0].h << 0.0f, 1.5f;
  const GreedyStep s = stepper.step(0, state);
  EXPECT_EQ(s.token, 1);
  EXPECT_NEAR(s.hidden(0), h1, 1e-6);
  EXPECT_NEAR(s.hidden(1), 0.75, 1e-6);

  const GoldenDecoded handed = golden_greedy_decode(w, {GoldenLayerState{{0.0, 1.5}, {}}}, 0, 1, 5);
  EXPECT_EQ(handed.tokens, (std::vector<int>{1}));
  EXPECT_NEAR(handed.hidden[0][1], 0.75, 1e-12);
  const GoldenDecoded zero = golden_greedy_decode(w, {}, 0, 1, 1);
  EXPECT_EQ(zero.tokens, (std::vector<int>{2}));
  EXPECT_NEAR(zero.hidden[0][0], h1, 1e-12);
}

TEST(GreedyDecode, EmbeddingLookupAndErrors) {
  const RnnWeights w = hand_decoder(0.0f);
  const RowVector e2 = embedding_lookup(w, 2);
  ASSERT_EQ(e2.size(), 2);
  EXPECT_EQ(e2(0), 0.0f);
  EXPECT_EQ(e2(1), 1.0f);
  EXPECT_THROW(embedding_lookup(w, 3), std::invalid_argument);
  EXPECT_THROW(embedding_lookup(w, -1), std::invalid_argument);
  GreedyStepper stepper(w, Precision::fp32);
  DecoderState state = stepper.zero_state();
  EXPECT_THROW(stepper.step(3, state), std::invalid_argument);
  EXPECT_THROW(golden_greedy_decode(w, {}, 3, 1, 2), std::invalid_argument);
  EXPECT_THROW(golden_greedy_decode(w, {GoldenLayerState{{0.0}, {}}}, 0, 1, 2), std::invalid_argument);

  RnnWeights no_embedding = w;
  no_embedding.spec.embedding = {};
  no_embedding.embedding.clear();
  EXPECT_THROW(embedding_lookup(no_embedding, 0), std::invalid_argument);
  EXPECT_THROW(GreedyStepper(no_embedding, Precision::fp32), std::invalid_argument);
  RnnWeights wrong_vocabulary = w;
  wrong_vocabulary.spec.output.size = 2;
  wrong_vocabulary.fc_w.resize(4);
  wrong_vocabulary.fc_b.resize(2);
  EXPECT_THROW(GreedyStepper(wrong_vocabulary, Precision::fp32), std::invalid_argument);
  EXPECT_THROW(golden_greedy_decode(wrong_vocabulary, {}, 0, 1, 2), std::invalid_argument);
}

// A random 2-layer LSTM decoder (vocabulary 11): stepping equals the teacher-forced sequence
// run (bitwise: row products do not depend on the row count), and the golden decoder produces
// the same tokens with hidden states and outputs within tolerance.
TEST(GreedyDecode, StepperMatchesSequenceRunAndGolden) {
  NetworkSpec spec = make_spec(CellType::lstm, 6, 5, 2, false, DirectionMerge::concat, 11, "softmax");
  spec.embedding = {11, 6, 0, 1};
  RnnWeights w = RnnWeights::random(spec, 77);
  for (float& v : w.fc_w) v *= 8.0f;  // spread the logits: no near-ties between FP32 and double
  const int max_length = 12;
  GreedyStepper stepper(w, Precision::fp32);
  DecoderState state = stepper.zero_state();
  std::vector<int> tokens;
  RowMatrix inputs(0, 6), hidden(0, 5), logits(0, 11);
  int token = spec.embedding.bos_token;
  for (int t = 0; t < max_length; ++t) {
    inputs.conservativeResize(t + 1, Eigen::NoChange);
    inputs.row(t) = embedding_lookup(w, token);
    const GreedyStep s = stepper.step(token, state);
    hidden.conservativeResize(t + 1, Eigen::NoChange);
    hidden.row(t) = s.hidden;
    logits.conservativeResize(t + 1, Eigen::NoChange);
    logits.row(t) = s.logits;
    tokens.push_back(s.token);
    token = s.token;
    if (token == spec.embedding.eos_token) break;
  }
  const NetworkOutputs forced = run_network(w, inputs, Precision::fp32);
  EXPECT_TRUE(forced.hidden == hidden);
  EXPECT_TRUE(forced.logits == logits);

  const GoldenDecoded g = golden_greedy_decode(w, {}, spec.embedding.bos_token, spec.embedding.eos_token, max_length);
  EXPECT_EQ(g.tokens, tokens);
  const Tolerance tol = tolerance_for(Precision::fp32);
  EXPECT_TRUE(compare_outputs(to_nested(hidden), g.hidden, tol).ok);
  EXPECT_TRUE(compare_outputs(to_nested(logits), g.logits, tol).ok);
  EXPECT_TRUE(compare_outputs(to_nested(forced.output), g.output, tol).ok);
}

// OutputDatapath's logits: round(x W^T + b) before the activation; the activated values as before.
// fp16, 1 x 1: W = 0.1 -> 0.0999755859375, x = 2: logits = round16(0.199951171875) = 0.199951171875.
TEST(OutputLayerLogits, RoundedBeforeTheActivation) {
  NetworkSpec spec = make_spec(CellType::lstm, 1, 1, 1, false, DirectionMerge::concat, 1, "sigmoid");
  OutputDatapath o16(spec, {0.1f}, {0.0f}, Precision::fp16);
  RowMatrix x(1, 1), logits(1, 1), y(1, 1), y_only(1, 1);
  x << 2.0f;
  o16.forward(x, logits, y);
  o16.forward(x, y_only);
  EXPECT_EQ(logits(0, 0), 0.199951171875f);
  EXPECT_EQ(y(0, 0), y_only(0, 0));
  EXPECT_NE(y(0, 0), logits(0, 0));
}

}  // namespace
}  // namespace ebatch
