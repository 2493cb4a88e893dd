#include "tests/fuzz/fuzz_entries.h"

#include <string>
#include <string_view>

#include "common/errors.h"
#include "common/experiment.h"
#include "common/npy.h"
#include "tb/workload.h"

namespace ebatch::fuzz {

void experiment_yaml(const std::uint8_t* data, std::size_t size) {
  try {
    load_experiment_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const InputError&) {
  }
}

void request_trace(const std::uint8_t* data, std::size_t size) {
  try {
    parse_request_trace(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv");
  } catch (const InputError&) {
  }
}

void npy(const std::uint8_t* data, std::size_t size) {
  try {
    read_npy_buffer(data, size, "fuzz.npy");
  } catch (const InputError&) {
  }
}

void npz(const std::uint8_t* data, std::size_t size) {
  try {
    read_npz_buffer(data, size, "fuzz.npz");
  } catch (const InputError&) {
  }
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"experiment_yaml", experiment_yaml}, {"request_trace", request_trace}, {"npy", npy}, {"npz", npz}};
  return all;
}

}  // namespace ebatch::fuzz
