// Helpers shared by the RNN datapath tests: small specs, seeded weights and inputs
// (std:: random: only the tests use them), bitwise and numeric comparisons.
#pragma once

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
  s.output.activation = activation;
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

}  // namespace ebatch::rnn_test
