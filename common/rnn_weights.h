// Parameters of an RNN network in PyTorch's layout, as FP32 master copies.
//
// Layout per layer and direction (row-major, gate blocks in PyTorch order:
// LSTM i,f,g,o; GRU r,z,n): w_ih (gates*H x I), w_hh (gates*H x H), b_ih and
// b_hh (gates*H). The optional output layer is fc_w (size x layer_output) and
// fc_b (size); the optional embedding table is embedding (vocabulary x size). Exchange
// format: .npz with nn.LSTM/nn.GRU names (weight_ih_l{k}[_reverse], ...), fc.weight /
// fc.bias and embedding.weight (docs/ARCHITECTURE.md, "Weights files", lists them all).
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
  std::vector<float> embedding;  // vocabulary x size, row-major; empty without spec.embedding

  // PyTorch's default initialiser: uniform in [-1/sqrt(H), 1/sqrt(H)], from a seed;
  // the same numbers on every platform (fc: +-1/sqrt(layer_output_size()), as nn.Linear).
  // Draw order: per layer, per direction (forward first): w_ih, w_hh, b_ih, b_hh, each
  // row-major; then fc_w, fc_b; then the embedding, U(-1, 1) (not nn.Embedding's N(0, 1):
  // a uniform draw is the same on every platform), drawn last so that networks without
  // one keep their numbers. Generator: boost mt19937 seeded by seed_seq{lo32, hi32}.
  static RnnWeights random(const NetworkSpec& spec, std::uint64_t seed);
  // Reads PyTorch names; the file must hold exactly the network's arrays: every array
  // present with the spec's shape (float32 or float64, C order) and none the network does
  // not use; otherwise InputError naming file and array (and the expected and actual shape,
  // or why the network does not use the array).
  static RnnWeights load_npz(const std::string& path, const NetworkSpec& spec);
  void save_npz(const std::string& path) const;
};

}  // namespace ebatch
