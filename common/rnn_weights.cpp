#include "common/rnn_weights.h"

#include <algorithm>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/seed_seq.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <cstddef>
#include <map>
#include <stdexcept>

#include "common/errors.h"
#include "common/npy.h"

namespace ebatch {
namespace {

using Shape = std::vector<std::size_t>;

// One named array of the exchange format, bound to its storage.
struct Slot {
  std::string name;
  Shape shape;
  std::vector<float>* data;
};

std::string shape_text(const Shape& s) {
  std::string t = "(";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + (s.size() == 1 ? ",)" : ")");
}

void check_spec(const NetworkSpec& spec) {
  if (spec.input_size <= 0 || spec.hidden_size <= 0 || spec.num_layers <= 0 || spec.output.size < 0) {
    throw InputError("network '" + spec.name + "': input_size, hidden_size and num_layers must be positive");
  }
}

// Sizes `w` to the spec and lists its arrays in the fixed order used everywhere:
// for each layer, for each direction (forward, then reverse): weight_ih, weight_hh,
// bias_ih, bias_hh; then fc.weight, fc.bias; then embedding.weight.
std::vector<Slot> layout(RnnWeights& w) {
  const NetworkSpec& s = w.spec;
  const auto rows = std::size_t(s.gates()) * std::size_t(s.hidden_size);
  const auto hidden = std::size_t(s.hidden_size);
  std::vector<Slot> slots;
  w.layers.assign(std::size_t(s.num_layers), std::vector<DirectionWeights>(s.directions()));
  for (int l = 0; l < s.num_layers; ++l) {
    for (int d = 0; d < s.directions(); ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      DirectionWeights& dw = w.layers[l][d];
      slots.push_back({"weight_ih" + sfx, {rows, std::size_t(s.layer_input_size(l))}, &dw.w_ih});
      slots.push_back({"weight_hh" + sfx, {rows, hidden}, &dw.w_hh});
      slots.push_back({"bias_ih" + sfx, {rows}, &dw.b_ih});
      slots.push_back({"bias_hh" + sfx, {rows}, &dw.b_hh});
    }
  }
  if (s.output.size > 0) {
    const auto out = std::size_t(s.output.size);
    slots.push_back({"fc.weight", {out, std::size_t(s.layer_output_size())}, &w.fc_w});
    slots.push_back({"fc.bias", {out}, &w.fc_b});
  } else {
    w.fc_w.clear();
    w.fc_b.clear();
  }
  if (s.embedding.vocabulary > 0) {
    slots.push_back(
        {"embedding.weight", {std::size_t(s.embedding.vocabulary), std::size_t(s.embedding.size)}, &w.embedding});
  } else {
    w.embedding.clear();
  }
  for (Slot& slot : slots) {
    std::size_t n = 1;
    for (std::size_t d : slot.shape) n *= d;
    slot.data->resize(n);
  }
  return slots;
}

// Why `name` is not one of `spec`'s arrays, for the error message.
std::string unused_reason(const std::string& name, const NetworkSpec& spec) {
  std::size_t layer_at = std::string::npos;
  for (const char* prefix : {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"})
    if (name.rfind(prefix, 0) == 0) layer_at = std::string(prefix).size();
  if (layer_at != std::string::npos) {
    std::size_t end = layer_at;
    while (end < name.size() && end - layer_at < 9 && name[end] >= '0' && name[end] <= '9') ++end;
    const std::string rest = name.substr(end);
    if (end > layer_at && (rest.empty() || rest == "_reverse")) {
      const long layer = std::stol(name.substr(layer_at, end - layer_at));
      if (layer >= spec.num_layers)
        return "it has " + std::to_string(spec.num_layers) + " layer" + (spec.num_layers == 1 ? "" : "s") +
               " (l0 to l" + std::to_string(spec.num_layers - 1) + "), the array is for layer " + std::to_string(layer);
      if (!rest.empty() && !spec.bidirectional) return "it is not bidirectional (no _reverse arrays)";
    }
  }
  if (name == "fc.weight" || name == "fc.bias") return "it has no output layer (network.output.size is 0)";
  if (name == "embedding.weight") return "it has no embedding table (network.embedding)";
  return "not one of its array names (docs/ARCHITECTURE.md, \"Weights files\", lists them)";
}

}  // namespace

// Draws, in layout() order and row-major within each array, from boost::random::mt19937
// seeded with seed_seq{low 32 bits of seed, high 32 bits}. Recurrent layers use
// U(-1/sqrt(H), 1/sqrt(H)) as nn.LSTM/nn.GRU; fc uses U(-1/sqrt(in), 1/sqrt(in)) with
// in = layer_output_size(), the bound of nn.Linear's default initialiser.
RnnWeights RnnWeights::random(const NetworkSpec& spec, std::uint64_t seed) {
  check_spec(spec);
  RnnWeights w;
  w.spec = spec;
  const std::vector<Slot> slots = layout(w);
  boost::random::seed_seq seq{std::uint32_t(seed & 0xFFFFFFFFu), std::uint32_t(seed >> 32)};
  boost::random::mt19937 gen(seq);
  const float rnn_bound = 1.0f / std::sqrt(float(spec.hidden_size));
  const float fc_bound = 1.0f / std::sqrt(float(spec.layer_output_size()));
  for (const Slot& slot : slots) {
    const float b = slot.data == &w.embedding ? 1.0f : slot.name.compare(0, 3, "fc.") == 0 ? fc_bound : rnn_bound;
    boost::random::uniform_real_distribution<float> dist(-b, b);
    for (float& v : *slot.data) v = dist(gen);
  }
  return w;
}

RnnWeights RnnWeights::load_npz(const std::string& path, const NetworkSpec& spec) {
  check_spec(spec);
  RnnWeights w;
  w.spec = spec;
  std::uint64_t largest = 0;  // elements of the largest array of this network
  for (const Slot& slot : layout(w)) {
    std::uint64_t n = 1;
    for (std::size_t d : slot.shape) n *= d;
    largest = std::max(largest, n);
  }
  const std::map<std::string, NpyArray> arrays = read_npz(path, 8 * largest + kNpyHeaderAllowance);
  const std::vector<Slot> slots = layout(w);
  // A weights file for another network (more layers, a second direction) must not run
  // silently with the arrays that happen to fit: every array must be one of the network's.
  for (const auto& [name, array] : arrays) {
    const bool used =
        std::any_of(slots.begin(), slots.end(), [&name = name](const Slot& slot) { return slot.name == name; });
    if (!used)
      throw InputError(path + ": array '" + name + "' is not used by network '" + spec.name +
                       "': " + unused_reason(name, spec) + "; a weights file must hold exactly the network's arrays");
  }
  for (const Slot& slot : slots) {
    const std::string where = path + ": array '" + slot.name + "'";
    const auto it = arrays.find(slot.name);
    if (it == arrays.end()) {
      throw InputError(where + " is missing (expected shape " + shape_text(slot.shape) + ")");
    }
    const NpyArray& a = it->second;
    if (a.kind() != 'f' || (a.itemsize() != 4 && a.itemsize() != 8)) {
      throw InputError(where + " has dtype '" + a.dtype + "', expected float32 or float64");
    }
    if (a.shape != slot.shape) {
      throw InputError(where + " has shape " + shape_text(a.shape) + ", expected " + shape_text(slot.shape));
    }
    *slot.data = a.to_finite_float(where);
  }
  return w;
}

void RnnWeights::save_npz(const std::string& path) const {
  check_spec(spec);
  RnnWeights sized;  // the expected layout, to check this object's vectors against
  sized.spec = spec;
  const std::vector<Slot> slots = layout(sized);
  if (layers.size() != sized.layers.size()) {
    throw std::logic_error("RnnWeights::save_npz: " + std::to_string(layers.size()) + " layers, the spec has " +
                           std::to_string(sized.layers.size()));
  }
  // Same traversal as layout(), over this object's (const) vectors.
  std::vector<const std::vector<float>*> mine;
  for (const auto& layer : layers) {
    if (layer.size() != std::size_t(spec.directions())) {
      throw std::logic_error("RnnWeights::save_npz: wrong number of directions");
    }
    for (const DirectionWeights& dw : layer) {
      mine.insert(mine.end(), {&dw.w_ih, &dw.w_hh, &dw.b_ih, &dw.b_hh});
    }
  }
  if (spec.output.size > 0) mine.insert(mine.end(), {&fc_w, &fc_b});
  if (spec.embedding.vocabulary > 0) mine.push_back(&embedding);
  std::map<std::string, FloatArray> out;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (mine[i]->size() != slots[i].data->size()) {
      throw std::logic_error("RnnWeights::save_npz: '" + slots[i].name + "' has " + std::to_string(mine[i]->size()) +
                             " values, expected " + std::to_string(slots[i].data->size()));
    }
    out[slots[i].name] = FloatArray{slots[i].shape, *mine[i]};
  }
  write_npz(path, out);
}

}  // namespace ebatch
