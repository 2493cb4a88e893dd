// Golden model of the RNN networks: PyTorch's nn.LSTM / nn.GRU equations in plain C++
// double with straightforward loops, deliberately sharing no code with hw/rnn_datapath
// (no Eigen), to check the accelerators' functional datapath.
//
// Models one whole sequence, unbatched, from zero state, through every recurrent layer
// (bidirectional: backward direction over the reversed sequence, merged per spec.merge)
// and the optional dense output layer. Ignores batching, timing and number formats
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
  GoldenSequence output;  // output layer, steps x output size; empty without one
};

// Last recurrent layer's outputs per step. Throws std::invalid_argument on shape errors.
GoldenSequence golden_run_sequence(const RnnWeights& weights, const GoldenSequence& inputs);
// Also the output layer's result (when the spec has one).
GoldenOutputs golden_run_network(const RnnWeights& weights, const GoldenSequence& inputs);

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
