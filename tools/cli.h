// Pieces shared by the `ebatch` subcommands.
#pragma once

#include <string>
#include <vector>

#include "common/experiment.h"

namespace ebatch::cli {

struct CommonArgs {
  bool help = false;
  std::string experiment;
  std::vector<Override> overrides;
  std::string out_dir;  // empty: the experiment's output.dir
};

// Parses "[EXPERIMENT] [--set k=v]... [--out DIR]"; usage errors are InputError.
CommonArgs parse_common_args(const std::string& command, const std::vector<std::string>& args, bool with_out);
std::string default_experiment();
// A CSV field in double quotes, inner quotes doubled (RFC 4180).
std::string csv_quote(const std::string& s);

int command_run(const std::vector<std::string>& args);
int command_compare(const std::vector<std::string>& args);
int command_gemm(const std::vector<std::string>& args);
int command_sweep(const std::vector<std::string>& args);
// Reads a sweep file as `ebatch sweep` does (keys, grid expansion, points, metrics) without
// preparing or running its points; InputError on a bad file. The fuzzer's entry (tests/fuzz).
void read_sweep_file(const std::string& file);
int command_reproduce(const std::vector<std::string>& args);

}  // namespace ebatch::cli
