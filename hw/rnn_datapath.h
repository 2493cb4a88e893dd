// Untimed functional datapath of the RNN accelerators (E-PUR and the TPU-like array):
// what they compute, not when or at what energy cost.
//
// Models one LSTM/GRU layer direction over a batch of B slots (E-BATCH): the input half
// W_ih x + b_ih of a whole window as one product over N*B rows, then the recurrent half
// step by step over the B slots, with a per-slot state, a per-step slot mask (idle slots)
// and per-slot resets (a new sequence starts). Also the dense output layer, a convenience
// runner for one unbatched sequence through the whole network, and the pieces of greedy
// decoding (argmax, embedding lookup, one decoder step). Ignores timing, buffers and DRAM.
//
// Floating-point precision emulation (fp32, fp16, bf16; all arithmetic is FP32; `round` =
// round to the storage format, nearest-even: IEEE binary16 for fp16, bfloat16 for bf16,
// identity for fp32):
//  - weights and biases are rounded once at construction; inputs x are rounded on entry;
//    states h, c start at 0;
//  - products are accumulated in FP32 (a product of two fp16/bf16 values is exact in FP32);
//  - input half:   gx  = round(x W_ih^T + b_ih)                (stored between phases)
//  - LSTM step:    pre = round(gx + (h W_hh^T + b_hh))          per gate block i,f,g,o
//                  i,f,o = round(sigmoid(pre)), g = round(tanh(pre))
//                  c' = round(f*c + i*g), h' = round(o * round(tanh(c')))
//  - GRU step:     r,z = round(sigmoid(round(gx_rz + (h W_hh,rz^T + b_hh,rz))))
//                  hn  = round(h W_hn^T + b_hn);  n = round(tanh(round(gx_n + r*hn)))
//                  h'  = round((1-z)*n + z*h)
//  - bidirectional sum merge: round(h_fwd + h_bwd); concat is a copy;
//  - output layer: logits = round(y W_fc^T + b_fc); softmax/sigmoid computed in FP32 from
//    the rounded logits, result rounded.
// sigmoid and tanh are Eigen's vectorised float approximations (a few ulp).
//
// int8 quantisation (the TPU-like array: 8-bit MACs, 32-bit accumulators, then an FP32
// activation pipeline). Only the matrix products are quantised; everything else is the
// fp32 datapath above (`round` is the identity):
//  - quantise(v), for a row v of K values: symmetric, scale s = max_k |v_k| / 127 (in FP32),
//    codes q_k = clamp(nearest-even(v_k / s), -127, 127) (-128 is never used). An all-zero
//    row (or one whose scale underflows to 0) gets s = 1 and codes 0; a row holding
//    inf or NaN gets s = NaN (its products become NaN, as in fp32).
//  - weights W_ih, W_hh and W_fc: quantised once at construction, per output row (per gate
//    row): s_w(r). Biases b_ih, b_hh, b_fc stay FP32 (added after dequantisation, as the
//    TPU adds them in its accumulator / activation pipeline).
//  - the product's other operand is quantised dynamically, per row: x per (slot, step) row
//    in the input half, h per slot per step in the recurrent half, the layer output per
//    step in the output layer: s_x(row). Inputs are rounded only by this quantisation.
//  - products: acc(row, r) = sum_k q_x(row, k) * q_w(r, k) computed exactly as in int32
//    accumulators (|acc| <= 127^2 K < 2^31 for K <= 133144; larger K throws
//    std::invalid_argument). Emulated with FP32 GEMM/GEMV on the integer codes over column
//    blocks of <= 1024: every partial sum of a block is an integer of magnitude
//    <= 127^2 * 1024 < 2^24, hence exact in FP32 in any summation order; blocks (K > 1024
//    only) are summed in int32.
//  - dequantisation (FP32): y = float(acc) * (s_x(row) * s_w(r)), then + bias; float(acc)
//    rounds only when |acc| >= 2^24.
//  - element-wise gate math, cell update, sum merge, softmax/sigmoid: FP32 as above. The
//    states h and c are kept in FP32 between steps (as if the unified buffer held them at
//    full width); h is quantised only as the operand of the next recurrent product, and a
//    layer's FP32 output only as the operand of the next layer's input half.
//  - w_ih() / w_hh() then return the int8 codes (held as floats, integers in [-127, 127])
//    and w_ih_scale() / w_hh_scale() the per-row scales: dequantised W(r, k) =
//    w(r, k) * scale(r).
//
// Determinism: a slot's results are bitwise independent of the other slots, of the batch
// size and of the slot index. Row-block products (input half, output layer) are computed as
// column-major W * X^T over a column count padded to a multiple of Eigen's GEBP panel width
// (4) and past Eigen's small-product threshold, so every row runs the same micro-kernel
// path. The recurrent half is one Eigen GEMV per computing slot: with this project's flags
// (SSE2) it measured as fast as or faster than a GEMM over <= 32 rows (GEMM re-packs W_hh at
// every step). Element-wise functions run in fixed scratch rows. Assumes single-threaded
// Eigen. For int8 the products are exact integers, so they do not depend on the kernel path
// at all, and the quantisation scales are per row (per slot and step).
//
// Thread safety: the classes keep mutable scratch buffers; use one object per thread.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "common/precision.h"
#include "common/rnn_spec.h"
#include "common/rnn_weights.h"

namespace ebatch {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;

namespace detail {

// y (n x R) = x (n x K) * W^T for a fixed W (R x K), with row results independent of n.
// Usage: prepare(n), fill input().row(r) for r < n, run(n), read output().row(r).
class RowGemm {
 public:
  RowGemm() = default;
  explicit RowGemm(RowMatrix w);
  Eigen::Index in_cols() const { return w_.cols(); }
  Eigen::Index out_cols() const { return out_cols_; }
  void prepare(Eigen::Index n);  // grows the staging buffers to hold n rows
  RowMatrix& input() { return in_; }
  void run(Eigen::Index n);
  const RowMatrix& output() const { return out_; }
  const RowMatrix& weights() const { return w_; }  // rounded, possibly with zero pad rows

 private:
  Eigen::Index padded_rows(Eigen::Index n) const;
  RowMatrix w_;
  Eigen::Index out_cols_ = 0;
  RowMatrix in_, out_;
};

// int8 product y (n x R) = dequantised (quantise(x) * quantise(W)^T) for a fixed W (R x K),
// per the scheme in the header comment; y excludes the bias. Usage as RowGemm (run()
// overwrites input() rows with their codes), or run_vector() for a single row.
class Int8RowGemm {
 public:
  static constexpr Eigen::Index kBlockCols = 1024;  // exact FP32 accumulation per block
  static constexpr Eigen::Index kMaxCols = 133144;  // 127^2 * K < 2^31 (int32 accumulator)

  Int8RowGemm() = default;
  explicit Int8RowGemm(const RowMatrix& w);  // quantises w per row; throws if K > kMaxCols
  Eigen::Index in_cols() const { return codes_.cols(); }
  Eigen::Index out_cols() const { return codes_.rows(); }
  void prepare(Eigen::Index n);  // grows the staging buffers to hold n rows
  RowMatrix& input() { return in_; }
  void run(Eigen::Index n);
  const RowMatrix& output() const { return out_; }
  // y (R) for one row x (K); y must already have R entries.
  void run_vector(const Eigen::Ref<const RowVector>& x, Eigen::VectorXf& y) const;
  const RowMatrix& codes() const { return codes_; }    // R x K, integers in [-127, 127]
  const RowVector& scales() const { return scales_; }  // s_w per row

 private:
  RowMatrix codes_;
  RowVector scales_;
  RowMatrix in_, out_;
  std::vector<float> in_scales_;
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> acc_;
  mutable RowVector vec_codes_;
  mutable Eigen::VectorXf vec_block_;
  mutable Eigen::Matrix<std::int32_t, Eigen::Dynamic, 1> vec_acc_;
};

// Quantises the n values of v symmetrically to int8 codes (written to q as floats, q may
// be v) and returns the scale, per the scheme in the header comment.
float quantise_int8(const float* v, Eigen::Index n, float* q);

}  // namespace detail

// Recurrent state of one layer direction: row s belongs to slot s.
struct SlotState {
  RowMatrix h;  // slots x H
  RowMatrix c;  // slots x H for LSTM; empty for GRU
  int slots() const { return static_cast<int>(h.rows()); }
  void reset(int slot);  // zero the slot's h (and c)
  void reset_all();
};

// One direction of one recurrent layer.
class LayerDatapath {
 public:
  // Throws std::invalid_argument on a bad layer index or weight shape (or, for int8, an
  // input or hidden size above Int8RowGemm::kMaxCols).
  LayerDatapath(const NetworkSpec& spec, const DirectionWeights& weights, int layer, Precision precision);

  CellType cell() const { return cell_; }
  Precision precision() const { return precision_; }
  int input_size() const { return input_size_; }
  int hidden_size() const { return hidden_; }
  int gate_width() const { return gates_ * hidden_; }  // gates*H columns of gx
  SlotState make_state(int slots) const;               // zero state

  // gx (rows x gates*H) = round(x W_ih^T + b_ih) for x (rows x I): one product for a whole
  // window (N*B rows); int8: the dequantised product of the per-row quantised x plus b_ih.
  // gx must already have the right shape (it may be a block).
  void input_half(const Eigen::Ref<const RowMatrix>& x, Eigen::Ref<RowMatrix> gx) const;

  // Recurrent half of one time-step for B = state.slots() slots. gx_step: B x gates*H (rows
  // of idle slots are ignored). slot_mask[s] = 1: slot s computes (empty vector: all do).
  // reset[s] = 1: zero slot s's state before the step (empty vector: no reset). Computing
  // slots update their state and write h' to h_out's row (B x H); idle slots keep both.
  void step(const Eigen::Ref<const RowMatrix>& gx_step, const std::vector<std::uint8_t>& slot_mask,
            const std::vector<std::uint8_t>& reset, SlotState& state, Eigen::Ref<RowMatrix> h_out) const;

  // Weights as the datapath holds them, gates*H x I and gates*H x H: rounded (fp32, fp16,
  // bf16) or int8 codes (see the header comment).
  const RowMatrix& w_ih() const;
  const RowMatrix& w_hh() const;
  // int8: per-row weight scales (gates*H); empty for the floating-point formats.
  const RowVector& w_ih_scale() const { return input_q_.scales(); }
  const RowVector& w_hh_scale() const { return hh_q_.scales(); }

 private:
  void step_lstm(int slot, const Eigen::Ref<const RowMatrix>& gx_step, SlotState& state,
                 Eigen::Ref<RowMatrix>& h_out) const;
  void step_gru(int slot, const Eigen::Ref<const RowMatrix>& gx_step, SlotState& state,
                Eigen::Ref<RowMatrix>& h_out) const;
  void round(RowVector& v) const;
  void recurrent_product(int slot, const SlotState& state) const;  // rec_ = W_hh h

  CellType cell_;
  Precision precision_;
  int input_size_ = 0, hidden_ = 0, gates_ = 0;
  RowMatrix w_hh_;                                  // rounded, gates*H x H (empty for int8)
  RowVector b_ih_, b_hh_;                           // rounded (int8: FP32)
  mutable detail::RowGemm input_gemm_;              // fp32/fp16/bf16
  mutable detail::Int8RowGemm input_q_;             // int8 only
  detail::Int8RowGemm hh_q_;                        // int8 only
  mutable Eigen::VectorXf h_in_, rec_;              // GEMV operand and result
  mutable RowVector pre_, act_, cell_tmp_, h_tmp_;  // fixed scratch rows
};

// `activation` itself if it is one of common/rnn_spec.h's; otherwise throws std::invalid_argument.
OutputActivation checked_output_activation(OutputActivation activation);

// The dense output layer: y = act(x W_fc^T + b_fc), per row (per step).
class OutputDatapath {
 public:
  // Throws std::invalid_argument if the spec has no output layer or shapes are wrong.
  OutputDatapath(const NetworkSpec& spec, const std::vector<float>& fc_w, const std::vector<float>& fc_b,
                 Precision precision);
  int input_size() const { return in_cols_; }
  int output_size() const { return out_cols_; }
  OutputActivation activation() const { return activation_; }
  // x: rows x layer_output_size(); y: rows x output size (already shaped).
  void forward(const Eigen::Ref<const RowMatrix>& x, Eigen::Ref<RowMatrix> y) const;
  // Also the rounded logits round(x W_fc^T + b_fc) before the activation (equal to y for
  // activation none). logits and y: rows x output size (already shaped).
  void forward(const Eigen::Ref<const RowMatrix>& x, Eigen::Ref<RowMatrix> logits, Eigen::Ref<RowMatrix> y) const;

 private:
  Precision precision_;
  OutputActivation activation_;
  RowVector b_;
  int in_cols_ = 0, out_cols_ = 0;
  mutable detail::RowGemm gemm_;        // fp32/fp16/bf16
  mutable detail::Int8RowGemm gemm_q_;  // int8
  mutable RowVector row_;
};

// Index of the largest of the n values (n >= 1), ties to the lowest index; NaN values are
// never chosen unless all are NaN (then 0). Throws std::invalid_argument for n < 1.
int argmax(const float* values, Eigen::Index n);
int argmax(const Eigen::Ref<const RowVector>& values);

// Row `token` of the embedding table (1 x embedding.size, the FP32 master values: the
// datapath rounds its inputs on entry). Throws std::invalid_argument if the network has
// no embedding or token is outside [0, vocabulary).
RowVector embedding_lookup(const RnnWeights& weights, int token);

// Per-layer recurrent state of a unidirectional network for one sequence: layers[l] is
// layer l's SlotState with one slot (h, and c for LSTM). Zero, or an encoder's final
// states handed over.
struct DecoderState {
  std::vector<SlotState> layers;
};

// One greedy decoding step through a unidirectional network with an embedding and an
// output layer whose size is the vocabulary (an autoregressive decoder):
//   x = embedding[previous_token]; for each layer l: h_l = cell_l(x, state_l), x = h_l;
//   logits = round(x W_fc^T + b_fc); output = act(logits); token = argmax(logits).
// Same datapath and precision rounding as LayerDatapath / OutputDatapath (header comment);
// the argmax is taken over the rounded logits (the activations are monotonic, but rounding
// a softmax can create ties the logits do not have).
struct GreedyStep {
  int token = 0;     // argmax of the logits: the next input token
  RowVector hidden;  // 1 x H: the last layer's output at this step
  RowVector logits;  // 1 x vocabulary
  RowVector output;  // 1 x vocabulary: activated per spec.output.activation
};

class GreedyStepper {
 public:
  // Throws std::invalid_argument unless the network is unidirectional, has an embedding and
  // an output layer of embedding.vocabulary values.
  GreedyStepper(const RnnWeights& weights, Precision precision);
  const NetworkSpec& spec() const { return spec_; }
  DecoderState zero_state() const;
  // Runs one step from `previous_token`, updating `state` in place (the new state).
  GreedyStep step(int previous_token, DecoderState& state) const;

 private:
  NetworkSpec spec_;
  std::vector<float> embedding_;
  std::vector<LayerDatapath> layers_;
  OutputDatapath output_;
  mutable RowMatrix gx_, h_;
};

struct NetworkOutputs {
  RowMatrix hidden;  // steps x layer_output_size(): last recurrent layer
  RowMatrix output;  // steps x output size, activated; empty if the network has no output layer
  RowMatrix logits;  // steps x output size, before the activation; empty likewise
};

// All layers of a network, for running whole sequences unbatched (one slot).
class NetworkDatapath {
 public:
  NetworkDatapath(const RnnWeights& weights, Precision precision);
  const NetworkSpec& spec() const { return spec_; }
  Precision precision() const { return precision_; }
  const LayerDatapath& layer(int layer, int direction) const;
  bool has_output_layer() const { return !output_.empty(); }
  const OutputDatapath& output_layer() const;  // throws std::logic_error if none

  // inputs: steps x input_size. Bidirectional layers run the backward direction over the
  // reversed sequence and merge per spec.merge (concat [fwd, bwd] or sum).
  RowMatrix run_sequence(const Eigen::Ref<const RowMatrix>& inputs);
  NetworkOutputs run_network(const Eigen::Ref<const RowMatrix>& inputs);

 private:
  void run_layers(const Eigen::Ref<const RowMatrix>& inputs, RowMatrix& hidden);

  NetworkSpec spec_;
  Precision precision_;
  std::vector<std::vector<LayerDatapath>> layers_;  // [layer][direction]
  std::vector<OutputDatapath> output_;              // 0 or 1 element
  RowMatrix gx_, buf_[2], bwd_;
  SlotState state_;
};

// One-shot helpers (convert the weights each call).
RowMatrix run_sequence(const RnnWeights& weights, const RowMatrix& inputs, Precision precision);
NetworkOutputs run_network(const RnnWeights& weights, const RowMatrix& inputs, Precision precision);

// Conversions to and from the golden model's nested vectors (rows of equal length).
RowMatrix to_row_matrix(const std::vector<std::vector<double>>& rows, int cols);
std::vector<std::vector<double>> to_nested(const Eigen::Ref<const RowMatrix>& m);

}  // namespace ebatch
