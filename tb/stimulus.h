// Input values for functional runs: from an .npz with one `seq_<id>` array
// (steps x input size; an encoder-decoder's: source steps) per request, or drawn from the seed (uniform in
// [-1, 1], Boost.Random, one stream per request id, so every platform and
// every policy sees the same inputs for the same request).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/rnn_spec.h"
#include "common/workload_spec.h"

namespace ebatch {

class InputSource {
 public:
  // Seeded inputs.
  InputSource(const NetworkSpec& spec, std::uint64_t seed);
  // Inputs from `path`; every request must have its array with `length` rows and
  // input_size columns (InputError naming the file and array otherwise).
  InputSource(const NetworkSpec& spec, const std::string& path, const std::vector<Request>& requests);

  void inputs(const Request& request, std::vector<float>& rows) const;

 private:
  NetworkSpec spec_;
  std::uint64_t seed_ = 0;
  std::map<std::int64_t, std::vector<float>> from_file_;
  bool use_file_ = false;
};

}  // namespace ebatch
