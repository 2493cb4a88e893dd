// Pieces shared by the `ebatch` subcommands.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <utility>
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
// Parses `args` of `ebatch COMMAND` with the one positional option `positional` (none if
// empty); a usage error is an InputError "ebatch COMMAND: ... (see ebatch COMMAND --help)".
boost::program_options::variables_map parse_command_options(const std::string& command,
                                                            const std::vector<std::string>& args,
                                                            const boost::program_options::options_description& opts,
                                                            const std::string& positional);
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
int command_capacity(const std::vector<std::string>& args);
int command_energy(const std::vector<std::string>& args);
// `--scale TARGET=FACTOR` of `ebatch energy` (tb/energy_recompute.h's scale_energy targets).
std::pair<std::string, double> parse_energy_scale(const std::string& text, const std::string& where);
// A run folder's experiment (its resolved.yaml) with energy overrides (energy keys only:
// InputError for others, which change the timing) and scale factors applied to its table.
Experiment run_experiment_with_energy(const std::string& run_dir, const std::vector<Override>& overrides,
                                      const std::vector<std::pair<std::string, double>>& scales,
                                      const std::string& where);

}  // namespace ebatch::cli
