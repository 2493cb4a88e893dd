// The parsers of untrusted input, as fuzzing entry points. Each takes any bytes and
// must either succeed or throw InputError (a clear message for the user); any other
// exception, crash, hang or sanitizer report is a bug. Shared by the libFuzzer targets
// (tests/fuzz/fuzz_main.cpp, CMake option EBATCH_FUZZ) and by the regression test that
// replays the seed corpus and every input that once crashed (tests/unit/test_fuzz_corpus.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ebatch::fuzz {

// An experiment YAML document (load_experiment_text: parsing, includes, validation).
void experiment_yaml(const std::uint8_t* data, std::size_t size);
// A request trace CSV (parse_request_trace).
void request_trace(const std::uint8_t* data, std::size_t size);
// A .npy array (read_npy_buffer).
void npy(const std::uint8_t* data, std::size_t size);
// A .npz archive (read_npz_buffer: zip directory, stored and deflated members).
void npz(const std::uint8_t* data, std::size_t size);
// A sweep file (`ebatch sweep`'s reader: keys, grid expansion, points, metrics), written to
// a scratch folder beside a link to configs/experiments, so that the seeds' usual
// `experiment: ../experiments/default.yaml` exists and the fuzzer gets past it.
void sweep_file(const std::uint8_t* data, std::size_t size);
// `--set` overrides, one `dotted.key=value` per line (parse_override), applied to a shipped
// experiment (tests/fuzz/corpus/experiment_yaml/eesen_epur_resolved.yaml) and validated.
void set_override(const std::uint8_t* data, std::size_t size);

struct Target {
  const char* name;  // also the corpus folder: tests/fuzz/corpus/<name>/, tests/fuzz/regressions/<name>/
  void (*run)(const std::uint8_t*, std::size_t);
};
const std::vector<Target>& targets();

}  // namespace ebatch::fuzz
