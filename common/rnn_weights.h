// Parameters of an RNN network in PyTorch's layout, as FP32 master copies.
//
// Layout per layer and direction (row-major, gate blocks in PyTorch order:
// LSTM i,f,g,o; GRU r,z,n): w_ih (gates*H x I), w_hh (gates*H x H), b_ih and
// b_hh (gates*H). The optional output layer is fc_w (size x layer_output) and
// fc_b (size). Exchange format: .npz with nn.LSTM/nn.GRU names
// (weight_ih_l{k}[_reverse], ...) and fc.weight / fc.bias.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/rnn_spec.h"

namespace ebatch {

struct DirectionWeights {
  std::vector<float> w_ih, w_hh, b_ih, b_hh;
};

struct RnnWeights {
  NetworkSpec spec;
  std::vector<std::vector<DirectionWeights>> layers;  // [layer][direction]
  std::vector<float> fc_w, fc_b;

  // PyTorch's default initialiser: uniform in [-1/sqrt(H), 1/sqrt(H)], from a seed;
  // the same numbers on every platform (fc: +-1/sqrt(layer_output_size()), as nn.Linear).
  // Draw order: per layer, per direction (forward first): w_ih, w_hh, b_ih, b_hh, each
  // row-major; then fc_w, fc_b. Generator: boost mt19937 seeded by seed_seq{lo32, hi32}.
  static RnnWeights random(const NetworkSpec& spec, std::uint64_t seed);
  // Reads PyTorch names; every array must be present with the spec's shape
  // (float32 or float64, C order); otherwise InputError naming file and array.
  static RnnWeights load_npz(const std::string& path, const NetworkSpec& spec);
  void save_npz(const std::string& path) const;
};

}  // namespace ebatch
