// Golden model of the RNN networks: PyTorch's nn.LSTM / nn.GRU equations in plain C++
// double with straightforward loops, deliberately sharing no code with hw/rnn_datapath
// (no Eigen), to check the accelerators' functional datapath.
//
// Models one whole sequence, unbatched, from zero state, through every recurrent layer
// (bidirectional: backward direction over the reversed sequence, merged per spec.merge)
// and the optional dense output layer (logits and activated values); and greedy decoding of
// an autoregressive network token by token. Ignores batching, timing and number formats
// (weights are the FP32 master copies, widened to double).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/precision.h"
#include "common/rnn_weights.h"

namespace ebatch {

using GoldenSequence = std::vector<std::vector<double>>;  // [step][feature]

struct GoldenOutputs {
  GoldenSequence hidden;  // last recurrent layer, steps x layer_output_size()
  GoldenSequence output;  // output layer, steps x output size, activated; empty without one
  GoldenSequence logits;  // output layer before the activation; empty likewise
};

// Last recurrent layer's outputs per step. Throws std::invalid_argument on shape errors.
GoldenSequence golden_run_sequence(const RnnWeights& weights, const GoldenSequence& inputs);
// Also the output layer's result (when the spec has one).
GoldenOutputs golden_run_network(const RnnWeights& weights, const GoldenSequence& inputs);

// Greedy decoding of an autoregressive network (unidirectional, with an embedding table and
// an output layer of embedding.vocabulary values), sequence by sequence:
//   token_0 = start_token; state = initial (empty: zero h and c in every layer);
//   for t = 0 .. max_length-1: x = embedding[token_t]; every layer l in turn:
//     state_l = cell(x, state_l), x = h_l; logits_t = W_fc x + b_fc;
//     token_{t+1} = argmax(logits_t) (ties to the lowest index);
//     stop after the step whose token is eos_token (it is included in `tokens`).
// So tokens.size() <= max_length, and every produced token has its step's hidden, logits
// and output rows. Use the spec's embedding.bos_token / eos_token for a network's defaults.
// Throws std::invalid_argument on a network that cannot decode or a bad state or token.
struct GoldenLayerState {
  std::vector<double> h, c;  // hidden_size each (c unused for GRU; empty = zero)
};
struct GoldenDecoded {
  std::vector<int> tokens;                    // produced tokens, the EOS included when reached
  GoldenSequence hidden;                      // per produced token: the last layer's h
  GoldenSequence logits;                      // per produced token: the output layer's logits
  GoldenSequence output;                      // per produced token: activated
  std::vector<GoldenLayerState> final_state;  // per layer, after the last step
  bool reached_eos = false;                   // false: stopped at max_length
};
GoldenDecoded golden_greedy_decode(const RnnWeights& weights, const std::vector<GoldenLayerState>& initial,
                                   int start_token, int eos_token, int max_length);

// A request of an autoregressive network decoded greedily from the spec's bos_token to its
// eos_token (or max_length steps). Encoder-decoder (spec.encoder_layers > 0): the encoder
// layers run over `source` from zero state, and decoder layer encoder_layers + i starts
// from encoder layer i's final state (h and c after the source's last step); the decoder
// layers, embedding and output layer then decode as golden_greedy_decode. A decoder alone
// (encoder_layers 0) ignores `source` and starts from zero.
GoldenDecoded golden_decode_request(const RnnWeights& weights, const GoldenSequence& source, int max_length);

// Element-wise acceptance: |actual - reference| <= abs + rel * |reference|.
struct Tolerance {
  double abs;
  double rel;
};
// Tolerance of a datapath precision against the golden model; values and their measurement
// are documented in golden_reference.cpp (int8: the TPU scheme of hw/rnn_datapath.h).
Tolerance tolerance_for(Precision precision);

struct Comparison {
  double max_abs_err = 0.0;
  double max_rel_err = 0.0;  // |a - r| / max(|r|, tol.abs), so tiny references do not explode
  bool ok = true;
  std::size_t worst_index = 0;  // flat row-major index with the largest err / allowed ratio
  double worst_actual = 0.0, worst_reference = 0.0;
};
// Shapes must match (std::invalid_argument otherwise). Non-finite actual values fail.
Comparison compare_outputs(const std::vector<double>& actual, const std::vector<double>& reference,
                           Tolerance tolerance);
Comparison compare_outputs(const GoldenSequence& actual, const GoldenSequence& reference, Tolerance tolerance);
std::string describe(const Comparison& comparison);

}  // namespace ebatch
