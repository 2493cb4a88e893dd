// `ebatch energy RUN_DIR`: a finished run's energy under other energy figures, without
// simulating again (tb/energy_recompute.h): the run's action counts and simulated time
// (stats.json) x the table of its resolved.yaml, changed by --set energy.* and --scale.
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/errors.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "tb/energy_recompute.h"
#include "tools/cli.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ebatch::cli {

std::pair<std::string, double> parse_energy_scale(const std::string& text, const std::string& where) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(where + ": '" + text +
                     "' is not TARGET=FACTOR (e.g. leakage=2, weight_buffer=0.25, dram.read_byte=0.5)");
  const std::string factor = text.substr(eq + 1);
  char* end = nullptr;
  const double f = std::strtod(factor.c_str(), &end);
  if (factor.empty() || *end != '\0' || !(f >= 0) || f > 1e6)
    throw InputError(where + ": '" + text + "': the factor must be a number from 0 to 1e6");
  return {text.substr(0, eq), f};
}

namespace {

void check_energy_keys(const std::vector<Override>& overrides, const std::string& where) {
  for (const auto& o : overrides)
    if (o.key != "energy" && o.key.rfind("energy.", 0) != 0)
      throw InputError(where + ": --set " + o.key +
                       ": only energy keys (energy.components.C.A, energy=FILE) change the energy without a rerun; "
                       "rerun with ebatch run for the others");
}

}  // namespace

Experiment run_experiment_with_energy(const std::string& run_dir, const std::vector<Override>& overrides,
                                      const std::vector<std::pair<std::string, double>>& scales,
                                      const std::string& where) {
  check_energy_keys(overrides, where);
  Experiment e = load_experiment(run_dir + "/resolved.yaml", overrides);
  for (const auto& [target, factor] : scales) scale_energy(e.energy, target, factor, where + ": --scale");
  return e;
}

int command_energy(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("set", po::value<std::vector<std::string>>(), "")(
      "scale", po::value<std::vector<std::string>>(), "")("json", "")("run", po::value<std::string>(), "");
  const po::variables_map vm = parse_command_options("energy", args, opts, "run");
  if (vm.count("help")) {
    std::cout << "usage: ebatch energy RUN_DIR [--set energy.KEY=VALUE]... [--scale TARGET=FACTOR]... [--json]\n"
                 "Recomputes a finished run's energy from its action counts and simulated time (RUN_DIR/stats.json)\n"
                 "with the energy table of RUN_DIR/resolved.yaml, changed by --set (energy keys only, e.g.\n"
                 "--set energy.components.dram.read_byte='32 pJ', or energy=OTHER.yaml) and --scale, which multiplies\n"
                 "figures: leakage=2 (every component's leakage), weight_buffer=0.25 (a component's energy per\n"
                 "action), dram.read_byte=0.5, dpu.leakage=0. Energy-only parameters need no rerun; timing ones do.\n"
                 "Prints total, dynamic, leakage and per-sequence energy beside the run's own (--json: one object).\n";
    return 0;
  }
  if (!vm.count("run")) throw InputError("ebatch energy: give a run folder (see ebatch energy --help)");
  const std::string dir = vm["run"].as<std::string>();
  std::vector<Override> overrides;
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) overrides.push_back(parse_override(s));
  check_energy_keys(overrides, "ebatch energy");
  std::vector<std::pair<std::string, double>> scales;
  if (vm.count("scale"))
    for (const auto& s : vm["scale"].as<std::vector<std::string>>())
      scales.push_back(parse_energy_scale(s, "ebatch energy: --scale"));
  std::error_code ec;
  for (const char* f : {"stats.json", "resolved.yaml"})
    if (!fs::is_regular_file(dir + "/" + f, ec))
      throw InputError("ebatch energy: " + dir + ": no " + f + " (not the folder of a finished ebatch run)");
  const Experiment e = run_experiment_with_energy(dir, overrides, scales, "ebatch energy");
  YAML::Node stats;
  try {
    stats = YAML::LoadFile(dir + "/stats.json");
  } catch (const YAML::Exception& err) {
    throw InputError("ebatch energy: " + dir + "/stats.json: " + err.what());
  }
  RecomputedEnergy r;
  double own_total = 0, own_per_seq = 0;
  try {
    r = recompute_energy(e, stats);
    own_total = stats["energy_j"]["total"].as<double>();
    own_per_seq = stats["energy_j"]["per_sequence"].as<double>();
  } catch (const YAML::Exception& err) {
    throw InputError("ebatch energy: " + dir + "/stats.json: " + err.what());
  }
  if (vm.count("json")) {
    JsonWriter j;
    j.begin_object()
        .value("run", dir)
        .value("total_j", r.total_j)
        .value("dynamic_j", r.dynamic_j)
        .value("leakage_j", r.leakage_j)
        .value("per_sequence_j", r.per_sequence_j)
        .value("run_total_j", own_total)
        .value("run_per_sequence_j", own_per_seq)
        .end_object();
    std::cout << j.str() << "\n";
    return 0;
  }
  std::printf("%s: %lld sequences, %s simulated\n", dir.c_str(), r.completed,
              units::format_time(r.simulated_time_s).c_str());
  std::printf("  energy        %s (dynamic %s, leakage %s)\n", units::format_energy(r.total_j).c_str(),
              units::format_energy(r.dynamic_j).c_str(), units::format_energy(r.leakage_j).c_str());
  std::printf("  per sequence  %s (the run's own: %s, x%.4f)\n", units::format_energy(r.per_sequence_j).c_str(),
              units::format_energy(own_per_seq).c_str(), own_per_seq > 0 ? r.per_sequence_j / own_per_seq : 0.0);
  return 0;
}

}  // namespace ebatch::cli
