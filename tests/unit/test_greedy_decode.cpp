// Unit tests of the greedy-decoding pieces (issue 14 item 4): argmax, the embedding lookup,
// hw/rnn_datapath's GreedyStepper and tb/golden_reference's golden_greedy_decode, on small
// networks whose token sequences are worked out by hand, and against each other.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "hw/contract/slot_engine.h"
#include "hw/functional_engine.h"
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

// The accelerator's functional loop without the kernel (hw/accelerator.cpp run_command): the
// SlotEngine orders the passes, the FunctionalEngine computes them, its EOS ends the sequence
// (SlotEngine::end_sequence), completions write the outputs to the DRAM vector.
struct EngineRun {
  std::vector<Completion> completions;
  std::map<std::int64_t, std::vector<int>> tokens;
  std::vector<float> dram = std::vector<float>(4096, 0.0f);
};
EngineRun run_engines(const RnnWeights& w, int slots, const std::vector<SequenceDescriptor>& sequences,
                      const std::vector<float>& inputs = {}) {
  EngineRun r;
  std::copy(inputs.begin(), inputs.end(), r.dram.begin());
  SlotEngine slot_engine(w.spec, slots, 2);
  FunctionalEngine fe(
      w, Precision::fp32, slots,
      [&](std::uint64_t a, void* d, std::uint64_t n) { std::memcpy(d, r.dram.data() + a / 4, n); },
      [&](std::uint64_t a, const void* d, std::uint64_t n) { std::memcpy(r.dram.data() + a / 4, d, n); });
  for (std::size_t k = 0; k < sequences.size(); ++k) EXPECT_TRUE(slot_engine.enqueue(int(k) % slots, sequences[k]));
  SlotEngine::Command cmd;
  cmd.last_layer = w.spec.num_layers - 1;
  for (int command = 0; command < 50 && !slot_engine.idle(); ++command) {
    SlotEngine::Cursor cursor;
    LayerPass pass;
    while (slot_engine.next_pass(cmd, cursor, pass)) {
      if (pass.empty()) continue;
      fe.run_pass(pass);
      for (const auto& end : fe.take_ends()) EXPECT_TRUE(slot_engine.end_sequence(end.slot, end.id, end.steps));
      for (const auto& c : slot_engine.take_completions()) {
        fe.finish_sequence(c);
        r.completions.push_back(c);
        r.tokens[c.descriptor.id] = fe.output_layer_values(c.descriptor.id)->tokens;
      }
    }
  }
  EXPECT_TRUE(slot_engine.idle());
  EXPECT_EQ(fe.sequences_in_flight(), 0u);
  return r;
}

SequenceDescriptor decoded(std::int64_t id, std::int64_t max_length, std::uint64_t in, std::uint64_t out) {
  SequenceDescriptor d;
  d.id = id;
  d.length = d.padded_length = max_length;
  d.input_address = in;
  d.output_address = out;
  return d;
}

// hand_decoder(-30) as an autoregressive network through the engines: as worked out above,
// tokens 2 then 1 = eos, so each sequence ends after 2 of its 10 allowed steps (a length the
// descriptor never held) with rows h1 = (tanh 1, 0), h2 = (0, tanh 1) at its output address.
TEST(FunctionalDecoding, HandDecoderEndsAtEosInEverySlot) {
  RnnWeights w = hand_decoder(-30.0f);
  w.spec.autoregressive = true;
  const EngineRun r = run_engines(w, 2, {decoded(7, 10, 0, 1024), decoded(8, 10, 0, 2048)});
  ASSERT_EQ(r.completions.size(), 2u);
  const double t1 = std::tanh(1.0);
  for (const Completion& c : r.completions) {
    EXPECT_EQ(c.steps, 2) << "request " << c.descriptor.id;
    EXPECT_EQ(r.tokens.at(c.descriptor.id), (std::vector<int>{2, 1}));
    const float* h = r.dram.data() + c.descriptor.output_address / 4;
    EXPECT_NEAR(h[0], t1, 1e-6);
    EXPECT_NEAR(h[1], 0.0, 1e-6);
    EXPECT_NEAR(h[2], 0.0, 1e-6);
    EXPECT_NEAR(h[3], t1, 1e-6);
    EXPECT_EQ(h[4], 0.0f) << "nothing past the produced steps";
  }
  // Padding to the maximum (run_to_padded) computes 10 steps but still reports 2 and the same tokens.
  SequenceDescriptor padded = decoded(9, 10, 0, 1024);
  padded.run_to_padded = true;
  const EngineRun p = run_engines(w, 1, {padded});
  ASSERT_EQ(p.completions.size(), 1u);
  EXPECT_EQ(p.completions[0].steps, 2);
  EXPECT_EQ(p.tokens.at(9), (std::vector<int>{2, 1}));
}

// Encoder-decoder hand-off: encoder layer 0 is a GRU with W_hh = 0, b_z = -30 (z ~ 0) and
// W_n = 2 I, so from zero state and x = (0, 1) its h = tanh(W_n x) = (0, tanh 2) = (0, 0.964028).
// Decoder layer 1 is hand_decoder(0)'s (z = 0.5): h1 = 0.5 (tanh 1, 0) + 0.5 (0, 0.964028)
// = (0.380797, 0.482014); logits (0.1, 0.482014, 0.380797) -> token 1 = eos after 1 step.
// From a zero state it would decode 2 then 1 (h2 = 0.5 (0, tanh 1) + 0.5 h1 = (0.190399, 0.380797):
// logits (0.1, 0.380797, 0.190399)). The source has 1 real step padded to 2 (a zero row, which
// would pull the state to ~0): the hand-off takes the state at the real last step.
TEST(FunctionalDecoding, EncoderStateIsHandedToTheDecoder) {
  const RnnWeights dec = hand_decoder(0.0f);
  RnnWeights w = dec;
  w.spec = make_spec(CellType::gru, 2, 2, 2, false, DirectionMerge::concat, 3, "softmax");
  w.spec.embedding = dec.spec.embedding;
  w.spec.autoregressive = true;
  w.spec.encoder_layers = 1;
  DirectionWeights enc = dec.layers[0][0];
  enc.w_ih = {0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 2};
  enc.b_ih = {0, 0, -30, -30, 0, 0};
  w.layers = {{enc}, dec.layers[0]};
  SequenceDescriptor d = decoded(3, 6, 0, 1024);
  d.source_length = 1;
  d.source_padded = 2;
  const EngineRun r = run_engines(w, 1, {d}, {0.0f, 1.0f, 0.0f, 0.0f});
  ASSERT_EQ(r.completions.size(), 1u);
  EXPECT_EQ(r.completions[0].steps, 1);
  EXPECT_EQ(r.tokens.at(3), (std::vector<int>{1}));
  EXPECT_NEAR(r.dram[256], 0.5 * std::tanh(1.0), 1e-6);
  EXPECT_NEAR(r.dram[257], 0.5 * std::tanh(2.0), 1e-6);
  // The golden reference agrees, and a zero state would decode differently.
  const GoldenDecoded g = golden_decode_request(w, {{0.0, 1.0}}, 6);
  EXPECT_EQ(g.tokens, (std::vector<int>{1}));
  EXPECT_NEAR(g.hidden[0][1], 0.5 * std::tanh(2.0), 1e-9);
  EXPECT_EQ(golden_greedy_decode(dec, {}, 0, 1, 6).tokens, (std::vector<int>{2, 1}));
}

}  // namespace
}  // namespace ebatch
