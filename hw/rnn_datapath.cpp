#include "hw/rnn_datapath.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "hw/half.h"

namespace ebatch {

namespace {

using Eigen::Index;
using ColMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

// Eigen's GEBP panel width for float (gebp_traits<float,float>::nr in Eigen 3.4).
constexpr Index kPanel = 4;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

// Every Precision value is supported (int8 by quantisation); rejects out-of-range values.
void check_precision(Precision p) {
  require(p == Precision::fp32 || p == Precision::fp16 || p == Precision::bf16 || p == Precision::int8,
          "unknown datapath precision " + std::to_string(static_cast<int>(p)));
}

// A rows x cols row-major matrix from a flat vector, rounded to the precision.
RowMatrix rounded_matrix(const std::vector<float>& v, Index rows, Index cols, Precision p, const std::string& name) {
  require(v.size() == static_cast<std::size_t>(rows * cols),
          name + ": expected " + std::to_string(rows * cols) + " values, got " + std::to_string(v.size()));
  RowMatrix m = Eigen::Map<const RowMatrix>(v.data(), rows, cols);
  round_in_place(p, m.data(), static_cast<std::size_t>(m.size()));
  return m;
}

RowVector rounded_vector(const std::vector<float>& v, Index n, Precision p, const std::string& name) {
  RowMatrix m = rounded_matrix(v, 1, n, p, name);
  return RowVector(m.row(0));
}

}  // namespace

// ---------------------------------------------------------------------------------------
namespace detail {

RowGemm::RowGemm(RowMatrix w) : out_cols_(w.rows()) {
  // A single weight row would make Eigen use its GEMV kernel: pad with a zero row.
  if (w.rows() < 2) {
    RowMatrix padded = RowMatrix::Zero(2, w.cols());
    padded.topRows(w.rows()) = w;
    w = std::move(padded);
  }
  w_ = std::move(w);
}

Index RowGemm::padded_rows(Index n) const {
  // Past EIGEN_GEMM_TO_COEFFBASED_THRESHOLD (k + m + n < 20 uses a coefficient-based
  // product) and a multiple of the panel width (no remainder-column kernel).
  Index p = std::max<Index>(n, 1);
  p = std::max<Index>(p, EIGEN_GEMM_TO_COEFFBASED_THRESHOLD - w_.rows() - w_.cols());
  return (p + kPanel - 1) / kPanel * kPanel;
}

void RowGemm::prepare(Index n) {
  const Index p = padded_rows(n);
  if (in_.rows() < p || in_.cols() != w_.cols()) in_.resize(p, w_.cols());
  if (out_.rows() < p || out_.cols() != w_.rows()) out_.resize(p, w_.rows());
}

void RowGemm::run(Index n) {
  const Index p = padded_rows(n);
  if (in_.rows() < p || out_.rows() < p) throw std::logic_error("RowGemm::run before prepare");
  if (p > n) in_.middleRows(n, p - n).setZero();
  // The first p rows of a row-major p x R matrix are a column-major R x p matrix.
  Eigen::Map<ColMatrix> out_t(out_.data(), w_.rows(), p);
  out_t.noalias() = w_ * in_.topRows(p).transpose();
}

// ---------------------------------------------------------------------------------------
float quantise_int8(const float* v, Index n, float* q) {
  Eigen::Map<const Eigen::ArrayXf> in(v, n);
  Eigen::Map<Eigen::ArrayXf> out(q, n);
  const float max = n > 0 ? in.abs().template maxCoeff<Eigen::PropagateNaN>() : 0.0f;
  if (!(max <= std::numeric_limits<float>::max())) {  // inf or NaN in the row
    out.setZero();
    return std::numeric_limits<float>::quiet_NaN();
  }
  const float scale = max / 127.0f;
  if (!(scale > 0.0f)) {  // all-zero row (or a scale that underflows)
    out.setZero();
    return 1.0f;
  }
  // Nearest-even rounding of |t| <= 2^22 by adding and removing 1.5 * 2^23 (vectorises
  // under SSE2, unlike std::nearbyint); |v / scale| is about 127 at most here.
  constexpr float kMagic = 12582912.0f;
  out = (((in / scale) + kMagic) - kMagic).max(-127.0f).min(127.0f);
  return scale;
}

Int8RowGemm::Int8RowGemm(const RowMatrix& w) {
  require(w.cols() <= kMaxCols, "int8 product over " + std::to_string(w.cols()) +
                                    " columns would overflow the int32 accumulator (max " + std::to_string(kMaxCols) +
                                    ")");
  codes_.resize(w.rows(), w.cols());
  scales_.resize(w.rows());
  for (Index r = 0; r < w.rows(); ++r) {
    scales_(r) = quantise_int8(w.row(r).data(), w.cols(), codes_.row(r).data());
  }
}

void Int8RowGemm::prepare(Index n) {
  n = std::max<Index>(n, 1);
  if (in_.rows() < n || in_.cols() != codes_.cols()) in_.resize(n, codes_.cols());
  if (out_.rows() < n || out_.cols() != codes_.rows()) out_.resize(n, codes_.rows());
  if (in_scales_.size() < std::size_t(n)) in_scales_.resize(std::size_t(n));
  if (codes_.cols() > kBlockCols && (acc_.rows() < n || acc_.cols() != codes_.rows())) {
    acc_.resize(n, codes_.rows());
  }
}

void Int8RowGemm::run(Index n) {
  if (n <= 0) return;
  if (in_.rows() < n || out_.rows() < n || in_scales_.size() < std::size_t(n)) {
    throw std::logic_error("Int8RowGemm::run before prepare");
  }
  const Index k = codes_.cols(), r = codes_.rows();
  for (Index i = 0; i < n; ++i) {
    in_scales_[std::size_t(i)] = quantise_int8(in_.row(i).data(), k, in_.row(i).data());
  }
  // The first n rows of the row-major output are a column-major R x n matrix. Integer
  // codes: every partial sum over <= kBlockCols columns is exact in FP32.
  Eigen::Map<ColMatrix> out_t(out_.data(), r, n);
  if (k <= kBlockCols) {
    out_t.noalias() = codes_ * in_.topRows(n).transpose();
  } else {
    auto acc = acc_.topRows(n);
    acc.setZero();
    for (Index k0 = 0; k0 < k; k0 += kBlockCols) {
      const Index kb = std::min(kBlockCols, k - k0);
      out_t.noalias() = codes_.middleCols(k0, kb) * in_.block(0, k0, n, kb).transpose();
      acc += out_.topRows(n).cast<std::int32_t>();
    }
    out_.topRows(n) = acc.cast<float>();
  }
  for (Index i = 0; i < n; ++i) {
    out_.row(i).array() *= scales_.array() * in_scales_[std::size_t(i)];
  }
}

void Int8RowGemm::run_vector(const Eigen::Ref<const RowVector>& x, Eigen::VectorXf& y) const {
  const Index k = codes_.cols(), r = codes_.rows();
  if (x.size() != k || y.size() != r) throw std::logic_error("Int8RowGemm::run_vector: bad shape");
  if (vec_codes_.size() != k) vec_codes_.resize(k);
  const float scale = quantise_int8(x.data(), k, vec_codes_.data());
  if (k <= kBlockCols) {
    y.noalias() = codes_ * vec_codes_.transpose();
  } else {
    vec_acc_.setZero(r);
    for (Index k0 = 0; k0 < k; k0 += kBlockCols) {
      const Index kb = std::min(kBlockCols, k - k0);
      vec_block_.noalias() = codes_.middleCols(k0, kb) * vec_codes_.segment(k0, kb).transpose();
      vec_acc_ += vec_block_.cast<std::int32_t>();
    }
    y = vec_acc_.cast<float>();
  }
  y.array() *= scales_.transpose().array() * scale;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------
void SlotState::reset(int slot) {
  h.row(slot).setZero();
  if (c.size() > 0) c.row(slot).setZero();
}

void SlotState::reset_all() {
  h.setZero();
  c.setZero();
}

// ---------------------------------------------------------------------------------------
LayerDatapath::LayerDatapath(const NetworkSpec& spec, const DirectionWeights& weights, int layer, Precision precision)
    : cell_(spec.cell), precision_(precision) {
  check_precision(precision);
  require(layer >= 0 && layer < spec.num_layers,
          "layer " + std::to_string(layer) + " out of range for " + std::to_string(spec.num_layers) + " layers");
  require(spec.hidden_size > 0 && spec.input_size > 0, "input and hidden sizes must be > 0");
  hidden_ = spec.hidden_size;
  gates_ = spec.gates();
  input_size_ = spec.layer_input_size(layer);
  const Index g = Index(gates_) * hidden_;
  const std::string where = "layer " + std::to_string(layer) + " ";
  // (int8: rounded_matrix leaves the FP32 values, quantised here per row.)
  RowMatrix w_ih = rounded_matrix(weights.w_ih, g, input_size_, precision, where + "w_ih");
  RowMatrix w_hh = rounded_matrix(weights.w_hh, g, hidden_, precision, where + "w_hh");
  if (precision == Precision::int8) {
    input_q_ = detail::Int8RowGemm(w_ih);
    hh_q_ = detail::Int8RowGemm(w_hh);
  } else {
    input_gemm_ = detail::RowGemm(std::move(w_ih));
    w_hh_ = std::move(w_hh);
  }
  b_ih_ = rounded_vector(weights.b_ih, g, precision, where + "b_ih");
  b_hh_ = rounded_vector(weights.b_hh, g, precision, where + "b_hh");
  h_in_.setZero(hidden_);
  rec_.setZero(g);
  pre_.setZero(g);
  act_.setZero(g);
  cell_tmp_.setZero(hidden_);
  h_tmp_.setZero(hidden_);
}

SlotState LayerDatapath::make_state(int slots) const {
  require(slots >= 0, "negative slot count");
  SlotState s;
  s.h = RowMatrix::Zero(slots, hidden_);
  if (cell_ == CellType::lstm) s.c = RowMatrix::Zero(slots, hidden_);
  return s;
}

const RowMatrix& LayerDatapath::w_ih() const {
  return precision_ == Precision::int8 ? input_q_.codes() : input_gemm_.weights();
}

const RowMatrix& LayerDatapath::w_hh() const { return precision_ == Precision::int8 ? hh_q_.codes() : w_hh_; }

void LayerDatapath::round(RowVector& v) const {
  round_in_place(precision_, v.data(), static_cast<std::size_t>(v.size()));
}

void LayerDatapath::recurrent_product(int slot, const SlotState& state) const {
  if (precision_ == Precision::int8) {
    hh_q_.run_vector(state.h.row(slot), rec_);
    return;
  }
  h_in_ = state.h.row(slot).transpose();
  rec_.noalias() = w_hh_ * h_in_;
}

void LayerDatapath::input_half(const Eigen::Ref<const RowMatrix>& x, Eigen::Ref<RowMatrix> gx) const {
  const Index rows = x.rows();
  require(x.cols() == input_size_,
          "input_half: x has " + std::to_string(x.cols()) + " columns, expected " + std::to_string(input_size_));
  require(gx.rows() == rows && gx.cols() == gate_width(), "input_half: gx has the wrong shape");
  if (rows == 0) return;
  if (precision_ == Precision::int8) {
    input_q_.prepare(rows);
    input_q_.input().topRows(rows) = x;
    input_q_.run(rows);
    gx.noalias() = input_q_.output().topRows(rows).rowwise() + b_ih_;
    return;
  }
  input_gemm_.prepare(rows);
  RowMatrix& in = input_gemm_.input();
  in.topRows(rows) = x;
  for (Index r = 0; r < rows; ++r) {
    round_in_place(precision_, in.row(r).data(), static_cast<std::size_t>(input_size_));
  }
  input_gemm_.run(rows);
  gx.noalias() = input_gemm_.output().topRows(rows).rowwise() + b_ih_;
  for (Index r = 0; r < rows; ++r) {
    round_in_place(precision_, gx.row(r).data(), static_cast<std::size_t>(gx.cols()));
  }
}

void LayerDatapath::step(const Eigen::Ref<const RowMatrix>& gx_step, const std::vector<std::uint8_t>& slot_mask,
                         const std::vector<std::uint8_t>& reset, SlotState& state, Eigen::Ref<RowMatrix> h_out) const {
  const int slots = state.slots();
  require(
      state.h.cols() == hidden_ && (cell_ == CellType::gru || (state.c.rows() == slots && state.c.cols() == hidden_)),
      "step: state has the wrong shape");
  require(gx_step.rows() == slots && gx_step.cols() == gate_width(), "step: gx_step has the wrong shape");
  require(h_out.rows() == slots && h_out.cols() == hidden_, "step: h_out has the wrong shape");
  require(slot_mask.empty() || slot_mask.size() == std::size_t(slots), "step: bad mask size");
  require(reset.empty() || reset.size() == std::size_t(slots), "step: bad reset size");

  for (int s = 0; s < slots; ++s) {
    if (!reset.empty() && reset[s]) state.reset(s);
    if (!slot_mask.empty() && !slot_mask[s]) continue;
    if (cell_ == CellType::lstm) {
      step_lstm(s, gx_step, state, h_out);
    } else {
      step_gru(s, gx_step, state, h_out);
    }
  }
}

void LayerDatapath::step_lstm(int slot, const Eigen::Ref<const RowMatrix>& gx_step, SlotState& state,
                              Eigen::Ref<RowMatrix>& h_out) const {
  const Index h = hidden_;
  recurrent_product(slot, state);
  pre_.noalias() = gx_step.row(slot) + (rec_.transpose() + b_hh_);
  round(pre_);
  act_.segment(0, 2 * h) = pre_.segment(0, 2 * h).array().logistic();  // i, f
  act_.segment(2 * h, h) = pre_.segment(2 * h, h).array().tanh();      // g
  act_.segment(3 * h, h) = pre_.segment(3 * h, h).array().logistic();  // o
  round(act_);
  const auto i = act_.segment(0, h).array();
  const auto f = act_.segment(h, h).array();
  const auto g = act_.segment(2 * h, h).array();
  const auto o = act_.segment(3 * h, h).array();
  cell_tmp_.array() = f * state.c.row(slot).array() + i * g;
  round(cell_tmp_);
  h_tmp_.array() = cell_tmp_.array().tanh();
  round(h_tmp_);
  h_tmp_.array() *= o;
  round(h_tmp_);
  state.c.row(slot) = cell_tmp_;
  state.h.row(slot) = h_tmp_;
  h_out.row(slot) = h_tmp_;
}

void LayerDatapath::step_gru(int slot, const Eigen::Ref<const RowMatrix>& gx_step, SlotState& state,
                             Eigen::Ref<RowMatrix>& h_out) const {
  const Index h = hidden_;
  recurrent_product(slot, state);
  // pre_ = [r,z pre-activations | W_hn h + b_hn]
  pre_.noalias() = rec_.transpose() + b_hh_;
  pre_.segment(0, 2 * h) += gx_step.row(slot).segment(0, 2 * h);
  round(pre_);
  act_.segment(0, 2 * h) = pre_.segment(0, 2 * h).array().logistic();  // r, z
  round(act_);
  const auto r = act_.segment(0, h).array();
  const auto z = act_.segment(h, h).array();
  // n pre-activation in act_'s n block, then n itself.
  act_.segment(2 * h, h).array() = gx_step.row(slot).segment(2 * h, h).array() + r * pre_.segment(2 * h, h).array();
  round(act_);
  h_tmp_.array() = act_.segment(2 * h, h).array().tanh();
  round(h_tmp_);
  h_tmp_.array() = (1.0f - z) * h_tmp_.array() + z * state.h.row(slot).array();
  round(h_tmp_);
  state.h.row(slot) = h_tmp_;
  h_out.row(slot) = h_tmp_;
}

// ---------------------------------------------------------------------------------------
OutputActivation checked_output_activation(OutputActivation activation) {
  if (!output_activations().contains(activation))
    throw std::invalid_argument("unknown output activation " + std::to_string(int(activation)) + " (expected " +
                                join_names(output_activations().names()) + ")");
  return activation;
}

OutputDatapath::OutputDatapath(const NetworkSpec& spec, const std::vector<float>& fc_w, const std::vector<float>& fc_b,
                               Precision precision)
    : precision_(precision), activation_(checked_output_activation(spec.output.activation)) {
  check_precision(precision);
  require(spec.output.size > 0, "network " + spec.name + " has no output layer");
  const Index in = spec.layer_output_size();
  in_cols_ = static_cast<int>(in);
  out_cols_ = spec.output.size;
  RowMatrix w = rounded_matrix(fc_w, spec.output.size, in, precision, "fc_w");
  if (precision == Precision::int8) {
    gemm_q_ = detail::Int8RowGemm(w);
  } else {
    gemm_ = detail::RowGemm(std::move(w));
  }
  b_ = rounded_vector(fc_b, spec.output.size, precision, "fc_b");
  row_.setZero(spec.output.size);
}

void OutputDatapath::forward(const Eigen::Ref<const RowMatrix>& x, Eigen::Ref<RowMatrix> y) const {
  forward(x, y, y);  // row by row, the logits are written before the activated values overwrite them
}

void OutputDatapath::forward(const Eigen::Ref<const RowMatrix>& x, Eigen::Ref<RowMatrix> logits,
                             Eigen::Ref<RowMatrix> y) const {
  const Index rows = x.rows(), size = output_size();
  require(x.cols() == input_size(), "output layer: x has the wrong number of columns");
  require(y.rows() == rows && y.cols() == size, "output layer: y has the wrong shape");
  require(logits.rows() == rows && logits.cols() == size, "output layer: logits have the wrong shape");
  if (rows == 0) return;
  const RowMatrix* product;
  if (precision_ == Precision::int8) {
    gemm_q_.prepare(rows);
    gemm_q_.input().topRows(rows) = x;
    gemm_q_.run(rows);
    product = &gemm_q_.output();
  } else {
    gemm_.prepare(rows);
    RowMatrix& in = gemm_.input();
    in.topRows(rows) = x;
    for (Index r = 0; r < rows; ++r) {
      round_in_place(precision_, in.row(r).data(), static_cast<std::size_t>(x.cols()));
    }
    gemm_.run(rows);
    product = &gemm_.output();
  }
  const auto n = static_cast<std::size_t>(size);
  for (Index r = 0; r < rows; ++r) {
    row_.noalias() = product->row(r).head(size) + b_;
    round_in_place(precision_, row_.data(), n);
    logits.row(r) = row_;
    if (activation_ == OutputActivation::sigmoid) {
      row_.array() = row_.array().logistic();
      round_in_place(precision_, row_.data(), n);
    } else if (activation_ == OutputActivation::softmax) {
      row_.array() = (row_.array() - row_.maxCoeff()).exp();
      row_ /= row_.sum();
      round_in_place(precision_, row_.data(), n);
    }
    y.row(r) = row_;
  }
}

int argmax(const float* values, Index n) {
  require(n >= 1, "argmax of no values");
  Index best = 0;
  for (Index k = 1; k < n; ++k)  // strictly greater: ties keep the lowest index; NaN never wins
    if (values[k] > values[best] || (std::isnan(values[best]) && !std::isnan(values[k]))) best = k;
  return static_cast<int>(best);
}

int argmax(const Eigen::Ref<const RowVector>& values) { return argmax(values.data(), values.size()); }

namespace {

// Row `token` of a vocabulary x size table.
Eigen::Map<const RowVector> embedding_row(const NetworkSpec& spec, const std::vector<float>& table, int token) {
  const EmbeddingSpec& e = spec.embedding;
  require(e.vocabulary > 0, "network " + spec.name + " has no embedding table");
  require(token >= 0 && token < e.vocabulary,
          "token " + std::to_string(token) + " outside the vocabulary [0, " + std::to_string(e.vocabulary) + ")");
  require(table.size() == std::size_t(e.vocabulary) * std::size_t(e.size), "embedding table has the wrong size");
  return Eigen::Map<const RowVector>(table.data() + std::size_t(token) * std::size_t(e.size), e.size);
}

const NetworkSpec& decoder_spec(const RnnWeights& w) {
  const NetworkSpec& s = w.spec;
  require(!s.bidirectional, "greedy decoding: network " + s.name + " is bidirectional");
  require(s.embedding.vocabulary > 0, "greedy decoding: network " + s.name + " has no embedding table");
  require(s.output.size == s.embedding.vocabulary, "greedy decoding: network " + s.name + "'s output layer has " +
                                                       std::to_string(s.output.size) + " values, its vocabulary " +
                                                       std::to_string(s.embedding.vocabulary));
  require(w.layers.size() == std::size_t(s.num_layers), "greedy decoding: wrong number of layers");
  return s;
}

}  // namespace

RowVector embedding_lookup(const RnnWeights& weights, int token) {
  return embedding_row(weights.spec, weights.embedding, token);
}

GreedyStepper::GreedyStepper(const RnnWeights& weights, Precision precision)
    : spec_(decoder_spec(weights)),
      embedding_(weights.embedding),
      output_(weights.spec, weights.fc_w, weights.fc_b, precision) {
  for (int l = 0; l < spec_.num_layers; ++l)
    layers_.emplace_back(spec_, weights.layers[std::size_t(l)][0], l, precision);
  h_.resize(1, spec_.hidden_size);
}

DecoderState GreedyStepper::zero_state() const {
  DecoderState s;
  for (const LayerDatapath& l : layers_) s.layers.push_back(l.make_state(1));
  return s;
}

GreedyStep GreedyStepper::step(int previous_token, DecoderState& state) const {
  require(state.layers.size() == layers_.size(), "greedy decoding: the state has the wrong number of layers");
  RowMatrix x = embedding_row(spec_, embedding_, previous_token);
  const std::vector<std::uint8_t> all{1}, none{0};
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerDatapath& dp = layers_[l];
    require(state.layers[l].slots() == 1 && state.layers[l].h.cols() == spec_.hidden_size,
            "greedy decoding: layer " + std::to_string(l) + "'s state is not 1 x hidden_size");
    gx_.resize(1, dp.gate_width());
    dp.input_half(x, gx_);
    dp.step(gx_, all, none, state.layers[l], h_);
    x = h_;
  }
  GreedyStep result;
  result.hidden = x;
  RowMatrix logits(1, spec_.output.size), out(1, spec_.output.size);
  output_.forward(x, logits, out);
  result.logits = logits;
  result.output = out;
  result.token = argmax(result.logits);
  return result;
}

// ---------------------------------------------------------------------------------------
NetworkDatapath::NetworkDatapath(const RnnWeights& weights, Precision precision)
    : spec_(weights.spec), precision_(precision) {
  check_precision(precision);
  require(spec_.num_layers > 0, "network " + spec_.name + " has no recurrent layer");
  require(weights.layers.size() == std::size_t(spec_.num_layers),
          "weights have " + std::to_string(weights.layers.size()) + " layers, spec has " +
              std::to_string(spec_.num_layers));
  layers_.resize(spec_.num_layers);
  for (int l = 0; l < spec_.num_layers; ++l) {
    require(weights.layers[l].size() == std::size_t(spec_.directions()),
            "layer " + std::to_string(l) + " has the wrong number of directions");
    for (int d = 0; d < spec_.directions(); ++d) {
      layers_[l].emplace_back(spec_, weights.layers[l][d], l, precision);
    }
  }
  if (spec_.output.size > 0) output_.emplace_back(spec_, weights.fc_w, weights.fc_b, precision);
  state_ = layers_[0][0].make_state(1);
}

const LayerDatapath& NetworkDatapath::layer(int layer, int direction) const { return layers_.at(layer).at(direction); }

const OutputDatapath& NetworkDatapath::output_layer() const {
  if (output_.empty()) throw std::logic_error("network " + spec_.name + " has no output layer");
  return output_.front();
}

void NetworkDatapath::run_layers(const Eigen::Ref<const RowMatrix>& inputs, RowMatrix& hidden) {
  require(inputs.cols() == spec_.input_size, "inputs have " + std::to_string(inputs.cols()) +
                                                 " columns, network expects " + std::to_string(spec_.input_size));
  const Index steps = inputs.rows(), h = spec_.hidden_size;
  const bool concat = spec_.bidirectional && spec_.merge == DirectionMerge::concat;
  const std::vector<std::uint8_t> all{1}, none{0};
  for (int l = 0; l < spec_.num_layers; ++l) {
    RowMatrix& out = buf_[l % 2];
    out.resize(steps, spec_.layer_output_size());
    if (spec_.bidirectional && !concat) bwd_.resize(steps, h);
    for (int d = 0; d < spec_.directions(); ++d) {
      const LayerDatapath& dp = layers_[l][d];
      gx_.resize(steps, dp.gate_width());
      if (l == 0) {
        dp.input_half(inputs, gx_);
      } else {
        dp.input_half(buf_[(l - 1) % 2], gx_);
      }
      state_.reset_all();
      RowMatrix& dst = (d == 1 && !concat) ? bwd_ : out;
      const Index col = (d == 1 && concat) ? h : 0;
      for (Index k = 0; k < steps; ++k) {
        const Index t = d == 0 ? k : steps - 1 - k;  // backward: reversed sequence
        dp.step(gx_.middleRows(t, 1), all, none, state_, dst.block(t, col, 1, h));
      }
    }
    if (spec_.bidirectional && !concat) {
      out += bwd_;
      round_in_place(precision_, out.data(), static_cast<std::size_t>(out.size()));
    }
  }
  hidden = buf_[(spec_.num_layers - 1) % 2];
}

RowMatrix NetworkDatapath::run_sequence(const Eigen::Ref<const RowMatrix>& inputs) {
  RowMatrix hidden;
  run_layers(inputs, hidden);
  return hidden;
}

NetworkOutputs NetworkDatapath::run_network(const Eigen::Ref<const RowMatrix>& inputs) {
  NetworkOutputs result;
  run_layers(inputs, result.hidden);
  if (has_output_layer()) {
    const OutputDatapath& o = output_.front();
    result.output.resize(result.hidden.rows(), o.output_size());
    result.logits.resize(result.hidden.rows(), o.output_size());
    o.forward(result.hidden, result.logits, result.output);
  }
  return result;
}

RowMatrix run_sequence(const RnnWeights& weights, const RowMatrix& inputs, Precision precision) {
  NetworkDatapath net(weights, precision);
  return net.run_sequence(inputs);
}

NetworkOutputs run_network(const RnnWeights& weights, const RowMatrix& inputs, Precision precision) {
  NetworkDatapath net(weights, precision);
  return net.run_network(inputs);
}

RowMatrix to_row_matrix(const std::vector<std::vector<double>>& rows, int cols) {
  RowMatrix m(static_cast<Index>(rows.size()), cols);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    require(rows[r].size() == std::size_t(cols), "to_row_matrix: row " + std::to_string(r) + " has " +
                                                     std::to_string(rows[r].size()) + " values, expected " +
                                                     std::to_string(cols));
    for (int c = 0; c < cols; ++c) m(Index(r), c) = static_cast<float>(rows[r][c]);
  }
  return m;
}

std::vector<std::vector<double>> to_nested(const Eigen::Ref<const RowMatrix>& m) {
  std::vector<std::vector<double>> rows(static_cast<std::size_t>(m.rows()));
  for (Index r = 0; r < m.rows(); ++r) {
    rows[r].assign(m.row(r).data(), m.row(r).data() + m.cols());
  }
  return rows;
}

}  // namespace ebatch
