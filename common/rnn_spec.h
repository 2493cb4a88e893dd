// RNN network description shared by every layer of the simulator.
//
// Models a stack of identical recurrent layers (LSTM or GRU, one or two
// directions) with an optional dense output layer and an optional embedding table
// (token id -> input vector, for token inputs and greedy decoding), as loaded from
// models/*.yaml. An autoregressive network (a decoder) runs step-major: each step goes
// through every decoder layer and the output layer before the next step starts, because
// the next step's input is the embedding of the token this step predicted. An
// encoder-decoder network is `encoder_layers` encoder layers (layer-major over the
// source) followed by the decoder layers (step-major over the target); decoder layer
// encoder_layers + i starts from encoder layer i's final state. Ignores other front-ends
// (convolutions): their output size is the
// network's input_size.
#pragma once

#include <cstdint>
#include <string>

#include "common/enum_table.h"

namespace ebatch {

enum class CellType { lstm, gru };
enum class DirectionMerge { concat, sum };  // how a bidirectional layer's outputs combine

enum class OutputActivation { none, softmax, sigmoid };

const EnumTable<CellType>& cell_types();
const EnumTable<DirectionMerge>& direction_merges();
const EnumTable<OutputActivation>& output_activations();
const char* to_string(CellType cell);
const char* to_string(DirectionMerge merge);
const char* to_string(OutputActivation activation);

struct OutputLayerSpec {
  int size = 0;  // 0: no output layer
  OutputActivation activation = OutputActivation::none;
};

// network.embedding: a table of `vocabulary` rows of `size` values (PyTorch's
// nn.Embedding, weights array `embedding.weight`); size equals input_size. bos_token is
// the token a greedy decoder starts from, eos_token the one that ends a sequence.
struct EmbeddingSpec {
  int vocabulary = 0;  // 0: no embedding table
  int size = 0;
  int bos_token = 0;
  int eos_token = 1;
};

struct NetworkSpec {
  std::string name;
  CellType cell = CellType::lstm;
  int input_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  bool bidirectional = false;
  DirectionMerge merge = DirectionMerge::concat;
  OutputLayerSpec output;
  EmbeddingSpec embedding;
  double steps_per_second = 0.0;  // time-steps per second of audio; 0 for token inputs
  bool autoregressive = false;    // layers [encoder_layers, num_layers) are a step-major decoder
  int encoder_layers = 0;         // autoregressive only: layers [0, encoder_layers) are the encoder
  std::string source;             // where the spec comes from

  // Gate blocks per cell: LSTM i,f,g,o; GRU r,z,n (PyTorch order).
  int gates() const { return cell == CellType::lstm ? 4 : 3; }
  int directions() const { return bidirectional ? 2 : 1; }
  // Width of one layer's output as seen by the next layer.
  int layer_output_size() const {
    return (bidirectional && merge == DirectionMerge::concat) ? 2 * hidden_size : hidden_size;
  }
  // The first decoder layer (num_layers when the network has no decoder).
  int first_decoder_layer() const { return autoregressive ? encoder_layers : num_layers; }
  bool is_decoder_layer(int layer) const { return layer >= first_decoder_layer(); }
  bool encoder_decoder() const { return autoregressive && encoder_layers > 0; }
  // Layers whose input is the network's input (read from DRAM): layer 0, and the decoder's
  // first layer of an encoder-decoder network (the target embedding).
  bool reads_input(int layer) const { return layer == 0 || (encoder_decoder() && layer == encoder_layers); }
  int layer_input_size(int layer) const { return reads_input(layer) ? input_size : layer_output_size(); }
  int widest_layer_input() const {
    int widest = 0;
    for (int l = 0; l < num_layers; ++l) widest = widest < layer_input_size(l) ? layer_input_size(l) : widest;
    return widest;
  }
  // Weights of one direction of one layer: W (gates*H x I), U (gates*H x H).
  std::uint64_t input_weights(int layer) const {
    return std::uint64_t(gates()) * hidden_size * layer_input_size(layer);
  }
  std::uint64_t recurrent_weights() const { return std::uint64_t(gates()) * hidden_size * hidden_size; }
  // Two bias vectors per direction, as PyTorch stores them (b_ih, b_hh).
  std::uint64_t biases() const { return 2ull * gates() * hidden_size; }
  std::uint64_t layer_parameters(int layer) const {
    return std::uint64_t(directions()) * (input_weights(layer) + recurrent_weights() + biases());
  }
  std::uint64_t output_parameters() const {
    return output.size > 0 ? std::uint64_t(output.size) * (layer_output_size() + 1) : 0;
  }
  // The embedding table is a lookup, not part of the weights a pass streams: not in
  // total_parameters().
  std::uint64_t embedding_parameters() const { return std::uint64_t(embedding.vocabulary) * embedding.size; }
  std::uint64_t total_parameters() const {
    std::uint64_t total = output_parameters();
    for (int l = 0; l < num_layers; ++l) total += layer_parameters(l);
    return total;
  }
};

}  // namespace ebatch
