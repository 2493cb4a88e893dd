// The `ebatch` command: validate and run experiments.
//
// Exit codes: 0 success; 2 bad input (usage, config, data files: one message,
// nothing written) or an output that cannot be written (OutputError: one message
// "PATH: cannot be written: REASON", no temporary left); 1 the run itself failed
// (e.g. a result mismatch).
#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <systemc>
#include <vector>

#include "common/errors.h"
#include "common/experiment.h"
#include "common/input_file.h"
#include "ebatch_version.h"
#include "tb/workload.h"
#include "tools/cli.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ebatch::cli {
namespace {

const char* const kUsage = R"(usage: ebatch <command> [options]

Commands:
  validate EXPERIMENT.yaml [--set key=value]...
      Check an experiment; print its resolved config and a workload summary.
  run EXPERIMENT.yaml [--set key=value]... [--out DIR]
      Simulate an experiment; write stats.json, requests.csv, resolved.yaml
      (and outputs.npz, trace.vcd + trace.gtkw, timeline.json when asked) to DIR.
  run --describe-stats[=python]
      List every stats.json key with its type, unit and meaning (docs/STATS.md).
  compare EXPERIMENT.yaml [--policies none,padded,cellular,ebatch] [--baseline cellular]
          [--slots B] [--set key=value]... [--out DIR]
      Run the same requests under each policy; print one table with ratios to the
      baseline; write compare.csv and compare.json to DIR.
  gemm [--hardware HW.yaml] [--energy ENERGY.yaml] --m M --k K --n N [--set key=value]... [--json]
      Cycles (SCALE-Sim convention and with overlap/DRAM stalls), folds, utilisation,
      DRAM bytes and energy of one GEMM on the systolic array.
  sweep SWEEP.yaml [--jobs J] [--out DIR] [--emit-slurm FILE] [--dry-run] [--aggregate-only]
      Run an experiment over a grid of overrides, one `ebatch run` per point, J at a time;
      write one folder per point and DIR/sweep.csv (or a Slurm job array with --emit-slurm).
  reproduce [--quick] [--out DIR] [--jobs J] [--config FILE] [--requests N] [--no-plots]
            [--no-capacity]
      Rerun the E-BATCH evaluation (configs/reproduce.yaml): every network x platform x
      policy at saturation and at a moderate load, capacity at each network's SLO, ratios
      to the strongest cellular variant with their ranges, next to the paper's; a new
      folder per invocation (results/reproduce/NNN[_quick], and a latest link).
  capacity [EXPERIMENT.yaml] [--slo p99=2s] [--policies ...] [--seeds K] [--variants all]
           [--curve F1,F2,...] [--jobs J] [--set key=value]... [--out DIR]
      Per policy, the highest Poisson rate whose latency statistic meets the SLO (bracketing
      from the saturation throughput, bisection), energy per sequence there, the spread over
      seeds; --curve: latency against offered load; write capacity.csv/json to DIR.
  energy RUN_DIR [--set energy.KEY=VALUE]... [--scale TARGET=FACTOR]... [--json]
      A finished run's energy under other energy figures, from its action counts (no rerun).

Options:
  -h, --help       this help (also: ebatch <command> --help)
  --version        print the version

EXPERIMENT defaults to configs/experiments/default.yaml. Keys are dotted paths
into the experiment, e.g. --set policy.slots=16 --set hardware.frequency="1 GHz".
Exit codes: 0 ok, 2 bad input or an output that cannot be written (nothing
half-written is left), 1 the run failed.
)";

int command_validate(const std::vector<std::string>& args) {
  const CommonArgs a = parse_common_args("validate", args, false);
  if (a.help) {
    std::cout << "usage: ebatch validate [EXPERIMENT.yaml] [--set key=value]...\n"
                 "Checks the experiment and prints its resolved config and a workload summary.\n";
    return 0;
  }
  const Experiment e = load_experiment(a.experiment, a.overrides);
  const std::vector<Request> requests = generate_requests(e.workload);
  std::cout << emit_resolved(e) << "\n# workload\n" << format_summary(summarize(requests)) << "\n";
  std::cout << "# network: " << e.network.name << ", " << e.network.total_parameters() << " parameters\n";
  std::cout << "ok: " << e.source_file << " is valid\n";
  return 0;
}

}  // namespace

std::string default_experiment() {
  std::string local = "configs/experiments/default.yaml";
  std::error_code ec;
  if (fs::exists(local, ec)) return local;
  return std::string(EBATCH_SOURCE_DIR) + "/" + local;
}

po::variables_map parse_command_options(const std::string& command, const std::vector<std::string>& args,
                                        const po::options_description& opts, const std::string& positional) {
  po::positional_options_description pos;
  if (!positional.empty()) pos.add(positional.c_str(), 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& err) {
    throw InputError("ebatch " + command + ": " + err.what() + " (see ebatch " + command + " --help)");
  }
  return vm;
}

CommonArgs parse_common_args(const std::string& command, const std::vector<std::string>& args, bool with_out) {
  CommonArgs a;
  po::options_description opts;
  opts.add_options()("help,h", "")("set", po::value<std::vector<std::string>>(), "")("experiment",
                                                                                     po::value<std::string>(), "");
  if (with_out) opts.add_options()("out", po::value<std::string>(), "");
  const po::variables_map vm = parse_command_options(command, args, opts, "experiment");
  a.help = vm.count("help") > 0;
  if (vm.count("experiment") && vm["experiment"].as<std::string>().empty())
    throw InputError("ebatch " + command + ": the experiment path is empty (see ebatch " + command + " --help)");
  if (with_out && vm.count("out") && vm["out"].as<std::string>().empty())
    throw InputError("ebatch " + command + ": --out is empty; give a folder (see ebatch " + command + " --help)");
  a.experiment = vm.count("experiment") ? vm["experiment"].as<std::string>() : default_experiment();
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) a.overrides.push_back(parse_override(s));
  if (with_out && vm.count("out")) a.out_dir = vm["out"].as<std::string>();
  return a;
}

int main_with_args(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "-h" || argv[0] == "--help" || argv[0] == "help") {
    std::cout << kUsage;
    return argv.empty() ? 2 : 0;
  }
  if (argv[0] == "--version") {
    std::cout << "ebatch " << EBATCH_VERSION << "\n";
    return 0;
  }
  const std::string& command = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  try {
    if (command == "validate") return command_validate(rest);
    if (command == "run") return command_run(rest);
    if (command == "compare") return command_compare(rest);
    if (command == "gemm") return command_gemm(rest);
    if (command == "sweep") return command_sweep(rest);
    if (command == "reproduce") return command_reproduce(rest);
    if (command == "capacity") return command_capacity(rest);
    if (command == "energy") return command_energy(rest);
    throw InputError("ebatch: unknown command '" + command +
                     "' (commands: validate, run, compare, gemm, sweep, reproduce, capacity, energy; see ebatch "
                     "--help)");
  } catch (const InputError& e) {  // printable(): no raw bytes of the input reach the terminal
    std::cerr << "error: " << printable(e.what()) << "\n";
    return 2;
  } catch (const OutputError& e) {  // "PATH: cannot be written: REASON", wherever it was thrown
    std::cerr << "error: " << printable(e.what()) << "\n";
    return 2;
  } catch (const fs::filesystem_error& e) {  // a folder that cannot be made or read: the same message
    std::cerr << "error: " << OutputError(e.path1().string(), e.code().message()).what() << "\n";
    return 2;
  }
}

}  // namespace ebatch::cli

// Our own main() replaces libsystemc's so the kernel's banner stays off stdout;
// sc_elab_and_sim then calls sc_main as usual.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return ebatch::cli::main_with_args(args);
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << ebatch::printable(e.what()) << "\n";
    return 1;
  }
}
