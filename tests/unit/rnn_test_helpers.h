// Helpers shared by the RNN datapath tests: small specs, seeded weights and inputs
// (std:: random: only the tests use them), bitwise and numeric comparisons, and a
// reference run of sequences through slots in layer-major windows.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/rnn_spec.h"
#include "common/rnn_weights.h"
#include "hw/rnn_datapath.h"

namespace ebatch::rnn_test {

using Eigen::Index;

inline NetworkSpec make_spec(CellType cell, int input, int hidden, int layers, bool bidirectional = false,
                             DirectionMerge merge = DirectionMerge::concat, int out_size = 0,
                             const std::string& activation = "none") {
  NetworkSpec s;
  s.name = "test";
  s.cell = cell;
  s.input_size = input;
  s.hidden_size = hidden;
  s.num_layers = layers;
  s.bidirectional = bidirectional;
  s.merge = merge;
  s.output.size = out_size;
  s.output.activation = *output_activations().find(activation);
  return s;
}

// Seeded weights, uniform in [-scale/sqrt(H), scale/sqrt(H)] (PyTorch's default for scale 1).
inline RnnWeights make_weights(const NetworkSpec& spec, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 gen(seed);
  const double k = scale / std::sqrt(double(spec.hidden_size));
  std::uniform_real_distribution<double> dist(-k, k);
  auto fill = [&](std::size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(dist(gen));
    return v;
  };
  RnnWeights w;
  w.spec = spec;
  const std::size_t g = std::size_t(spec.gates()) * spec.hidden_size;
  w.layers.resize(spec.num_layers);
  for (int l = 0; l < spec.num_layers; ++l) {
    for (int d = 0; d < spec.directions(); ++d) {
      DirectionWeights dw;
      dw.w_ih = fill(g * spec.layer_input_size(l));
      dw.w_hh = fill(g * spec.hidden_size);
      dw.b_ih = fill(g);
      dw.b_hh = fill(g);
      w.layers[l].push_back(dw);
    }
  }
  if (spec.output.size > 0) {
    w.fc_w = fill(std::size_t(spec.output.size) * spec.layer_output_size());
    w.fc_b = fill(spec.output.size);
  }
  return w;
}

inline RowMatrix make_inputs(int steps, int width, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  RowMatrix x(steps, width);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = dist(gen);
  return x;
}

inline bool bitwise_equal(const Eigen::Ref<const RowMatrix>& a, const Eigen::Ref<const RowMatrix>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index r = 0; r < a.rows(); ++r) {
    if (std::memcmp(a.row(r).data(), b.row(r).data(), sizeof(float) * a.cols()) != 0) return false;
  }
  return true;
}

inline double max_abs_diff(const RowMatrix& a, const RowMatrix& b) {
  return (a.cast<double>() - b.cast<double>()).cwiseAbs().maxCoeff();
}

// One entry of a slot's timeline: a step of a sequence, or idle (seq = -1).
struct SlotStep {
  int seq = -1, t = 0;
};

// Runs sequences queued in slots, layer-major windows of `window` steps, with resets at the
// sequence starts and idle slots masked; returns the last layer's output rows per sequence.
inline std::vector<RowMatrix> run_batched(const RnnWeights& w, Precision prec, const std::vector<RowMatrix>& seqs,
                                          const std::vector<std::vector<SlotStep>>& timeline, int window,
                                          float sentinel) {
  const NetworkSpec& spec = w.spec;
  const int slots = static_cast<int>(timeline.size());
  const int steps = static_cast<int>(timeline[0].size());
  std::vector<LayerDatapath> layers;
  std::vector<SlotState> states;
  // X[l]: input rows of layer l, row t*B + s; X[l+1] is layer l's output.
  std::vector<RowMatrix> X;
  X.push_back(RowMatrix::Zero(Index(steps) * slots, spec.input_size));
  for (int l = 0; l < spec.num_layers; ++l) {
    layers.emplace_back(spec, w.layers[l][0], l, prec);
    states.push_back(layers.back().make_state(slots));
    X.push_back(RowMatrix::Constant(Index(steps) * slots, spec.hidden_size, sentinel));
  }
  for (int t = 0; t < steps; ++t) {
    for (int s = 0; s < slots; ++s) {
      const SlotStep& e = timeline[s][t];
      if (e.seq >= 0) X[0].row(Index(t) * slots + s) = seqs[e.seq].row(e.t);
    }
  }
  RowMatrix gx;
  for (int w0 = 0; w0 < steps; w0 += window) {
    const int n = std::min(window, steps - w0);
    for (int l = 0; l < spec.num_layers; ++l) {
      const LayerDatapath& dp = layers[l];
      gx.resize(Index(n) * slots, dp.gate_width());
      dp.input_half(X[l].middleRows(Index(w0) * slots, Index(n) * slots), gx);
      for (int k = 0; k < n; ++k) {
        const int t = w0 + k;
        std::vector<std::uint8_t> mask(slots), reset(slots);
        for (int s = 0; s < slots; ++s) {
          const SlotStep& e = timeline[s][t];
          mask[s] = e.seq >= 0;
          reset[s] = e.seq >= 0 && e.t == 0;
        }
        dp.step(gx.middleRows(Index(k) * slots, slots), mask, reset, states[l],
                X[l + 1].middleRows(Index(t) * slots, slots));
      }
    }
  }
  std::vector<RowMatrix> result;
  for (const RowMatrix& seq : seqs) result.emplace_back(seq.rows(), spec.hidden_size);
  for (int t = 0; t < steps; ++t) {
    for (int s = 0; s < slots; ++s) {
      const SlotStep& e = timeline[s][t];
      for (int l = 1; l <= spec.num_layers; ++l) {
        const auto row = X[l].row(Index(t) * slots + s);
        if (e.seq < 0) {
          // Idle slots leave their output rows untouched.
          EXPECT_TRUE((row.array() == sentinel).all()) << "slot " << s << " step " << t;
        }
      }
      if (e.seq >= 0) result[e.seq].row(e.t) = X[spec.num_layers].row(Index(t) * slots + s);
    }
  }
  return result;
}

// Random networks the datapath suites (float and int8) check against the golden model.
struct GoldenCase {
  CellType cell;
  bool bidirectional;
  DirectionMerge merge;
  int layers;
  double scale;
  const char* activation;
};

inline std::vector<GoldenCase> golden_cases() {
  return {{CellType::lstm, false, DirectionMerge::concat, 3, 1.0, "softmax"},
          {CellType::lstm, true, DirectionMerge::concat, 2, 1.0, "softmax"},
          {CellType::lstm, true, DirectionMerge::sum, 2, 2.0, "none"},
          {CellType::gru, false, DirectionMerge::concat, 3, 2.0, "sigmoid"},
          {CellType::gru, true, DirectionMerge::concat, 2, 1.0, "softmax"},
          {CellType::gru, true, DirectionMerge::sum, 3, 1.0, "none"}};
}

inline std::string golden_case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  const GoldenCase& p = info.param;
  std::string name = p.cell == CellType::lstm ? "Lstm" : "Gru";
  name += p.bidirectional ? (p.merge == DirectionMerge::concat ? "BiConcat" : "BiSum") : "Uni";
  return name + std::to_string(p.layers) + "Layers";
}

}  // namespace ebatch::rnn_test
