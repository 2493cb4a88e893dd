#include "tests/fuzz/fuzz_entries.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "common/experiment.h"
#include "common/npy.h"
#include "ebatch_version.h"
#include "tb/workload.h"
#include "tools/cli.h"

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

void sweep_file(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  // DIR/experiments -> configs/experiments, the input as DIR/sweeps/fuzz.yaml.
  // One scratch folder per process, removed when the process exits.
  struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("ebatch-fuzz-sweep-" + std::to_string(getpid()));
    Scratch() {
      fs::create_directories(dir / "sweeps");
      std::error_code ec;
      fs::create_directory_symlink(fs::path(EBATCH_SOURCE_DIR) / "configs" / "experiments", dir / "experiments", ec);
    }
    ~Scratch() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  };
  static const Scratch scratch;
  static const std::string file = (scratch.dir / "sweeps" / "fuzz.yaml").string();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  try {
    cli::read_sweep_file(file);
  } catch (const InputError&) {
  }
}

void set_override(const std::uint8_t* data, std::size_t size) {
  static const std::string base = [] {
    std::ifstream in(std::string(EBATCH_SOURCE_DIR) + "/tests/fuzz/corpus/experiment_yaml/eesen_epur_resolved.yaml");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  try {
    std::vector<Override> overrides;
    std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
    for (std::string line; std::getline(lines, line);) overrides.push_back(parse_override(line));
    load_experiment_text(base, "fuzz.yaml", overrides);
  } catch (const InputError&) {
  }
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"experiment_yaml", experiment_yaml}, {"request_trace", request_trace}, {"npy", npy}, {"npz", npz},
      {"sweep_file", sweep_file},           {"set_override", set_override}};
  return all;
}

}  // namespace ebatch::fuzz
