#include "tb/stimulus.h"

#include <algorithm>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_real_distribution.hpp>

#include "common/errors.h"
#include "common/npy.h"

namespace ebatch {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

namespace {

// Rows of input a request has: an encoder-decoder's source (the decoder's inputs are its own
// tokens' embeddings), otherwise its length.
std::int64_t input_steps(const NetworkSpec& spec, const Request& r) {
  return spec.encoder_decoder() ? r.source_length : r.length;
}

}  // namespace

InputSource::InputSource(const NetworkSpec& spec, std::uint64_t seed) : spec_(spec), seed_(seed) {}

InputSource::InputSource(const NetworkSpec& spec, const std::string& path, const std::vector<Request>& requests)
    : spec_(spec), use_file_(true) {
  std::uint64_t longest = 0;  // the largest array expected: the longest request's inputs, as float64
  for (const auto& r : requests) longest = std::max(longest, std::uint64_t(input_steps(spec, r)));
  auto arrays = read_npz(path, 8 * longest * std::uint64_t(spec.input_size) + kNpyHeaderAllowance);
  for (const auto& r : requests) {
    const std::string name = "seq_" + std::to_string(r.id);
    const auto it = arrays.find(name);
    if (it == arrays.end())
      throw InputError(path + ": array '" + name + "' missing (request " + std::to_string(r.id) + ")");
    const auto& a = it->second;
    const std::int64_t steps = input_steps(spec, r);
    if (a.shape.size() != 2 || a.shape[0] != std::size_t(steps) || a.shape[1] != std::size_t(spec.input_size))
      throw InputError(path + ": array '" + name + "' must be " + std::to_string(steps) + " x " +
                       std::to_string(spec.input_size) +
                       (spec.encoder_decoder() ? " (source length x input size)" : " (request length x input size)"));
    from_file_[r.id] = a.to_finite_float(path + ": array '" + name + "'");
  }
}

void InputSource::inputs(const Request& request, std::vector<float>& rows) const {
  if (use_file_) {
    rows = from_file_.at(request.id);
    return;
  }
  boost::random::mt19937 engine(
      std::uint32_t(splitmix64(seed_ ^ splitmix64(std::uint64_t(request.id) + 0x696e70757473ull))));
  boost::random::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  rows.resize(std::size_t(input_steps(spec_, request)) * std::size_t(spec_.input_size));
  for (auto& v : rows) v = dist(engine);
}

}  // namespace ebatch
