// `ebatch run`: simulate one experiment and write its results.
//
// Writes into the output folder: resolved.yaml (the full config, enough to
// rerun), stats.json, requests.csv, outputs.npz (functional runs) and
// trace.vcd (when tracing). Every file is written under a temporary name and
// renamed when complete. A config error writes nothing. Data files the run reads
// (trace, weights, inputs) are copied to DIR/inputs/ so DIR reproduces the run alone.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <filesystem>
#include <iostream>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "tb/simulation.h"
#include "tb/stats_schema.h"
#include "tools/cli.h"
#include "tools/output_folder.h"

namespace fs = std::filesystem;

namespace ebatch::cli {

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

// The resolved tree with its data files (trace, weights, inputs) copied to DIR/inputs/ and
// referred to relatively, so the output folder alone reproduces the run.
YAML::Node localised_config(const Experiment& e, const std::string& dir) {
  YAML::Node tree = YAML::Clone(e.resolved);
  auto localise = [&](const char* section, const char* key, const std::string& path) {
    if (path.empty()) return;
    std::error_code ec;
    fs::create_directories(dir + "/inputs", ec);
    const std::string name = std::string(key) + "-" + fs::path(path).filename().string();
    fs::copy_file(path, dir + "/inputs/" + name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw InputError(dir + "/inputs/" + name + ": cannot copy " + path + ": " + ec.message());
    tree[section][key] = "inputs/" + name;
  };
  localise("workload", "trace", e.workload.trace_path);
  localise("simulation", "weights", e.simulation.weights_path);
  localise("simulation", "inputs", e.simulation.inputs_path);
  return tree;
}

// The files a run writes into DIR (relative names), and the copies of its data files
// in DIR/inputs/ that are there now.
std::vector<std::string> run_output_names(const std::string& dir) {
  std::vector<std::string> names = {"resolved.yaml", "stats.json", "wallclock.json", "requests.csv",
                                    "outputs.npz",   "trace.vcd",  "trace.gtkw",     "timeline.json"};
  std::error_code ec;
  for (fs::directory_iterator it(dir + "/inputs", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    for (const char* key : {"trace-", "weights-", "inputs-"})
      if (name.rfind(key, 0) == 0) names.push_back("inputs/" + name);
  }
  return names;
}

}  // namespace

int command_run(const std::vector<std::string>& args) {
  // The keys of stats.json (tb/stats_schema.h): a Markdown table, or the Python module tools/stats_keys.py.
  if (args.size() == 1 && (args[0] == "--describe-stats" || args[0] == "--describe-stats=markdown")) {
    std::cout << stat::describe();
    return 0;
  }
  if (args.size() == 1 && args[0] == "--describe-stats=python") {
    std::cout << stat::python_module();
    return 0;
  }
  const CommonArgs a = parse_common_args("run", args, true);
  if (a.help) {
    std::cout << "usage: ebatch run [EXPERIMENT.yaml] [--set key=value]... [--out DIR]\n"
                 "Simulates the experiment and writes to DIR (default: the experiment's output.dir):\n"
                 "  resolved.yaml  the fully resolved config (rerun with: ebatch run DIR/resolved.yaml)\n"
                 "  stats.json     throughput, latency percentiles, energy per component, DRAM, utilisation\n"
                 "                 (byte-identical for the same experiment and seed)\n"
                 "  wallclock.json wall-clock time and simulation speed of this run (differs run to run)\n"
                 "  requests.csv   one row per request: id,length,arrival_s,start_s,finish_s,latency_s,slot,steps\n"
                 "                 (length: what the host knew, a decoder's maximum; steps: produced)\n"
                 "  outputs.npz    seq_<id> arrays of the last recurrent layer, logits_<id> and output_<id> of the\n"
                 "                 output layer (simulation.functional: true)\n"
                 "  trace.vcd      waveforms (output.trace: control | full), trace.gtkw: gtkwave DIR/trace.gtkw\n"
                 "  timeline.json  trace events for ui.perfetto.dev or chrome://tracing (output.timeline: true)\n"
                 "ebatch run --describe-stats[=python] lists every stats.json key with its type, unit and\n"
                 "meaning (a Markdown table, as in docs/STATS.md; or the Python module tools/stats_keys.py).\n";
    return 0;
  }
  std::vector<Override> overrides = a.overrides;
  if (!a.out_dir.empty()) overrides.push_back({"output.dir", a.out_dir});
  const Experiment e = load_experiment(a.experiment, overrides);
  const std::string dir = e.output.dir;
  // One command at a time per folder; what an earlier run left there (a timeline.json
  // or trace.vcd this run does not write) goes first, so the folder holds one run.
  const OutputFolder folder(dir, "ebatch run");
  folder.remove_files(run_output_names(dir));
  RunOutputs outputs;
  if (e.output.requests_csv) outputs.requests_csv = dir + "/requests.csv";
  if (e.simulation.functional) outputs.outputs_npz = dir + "/outputs.npz";
  // SystemC appends ".vcd"; the name is this process's own, renamed when complete.
  const std::string vcd_tmp = "trace.vcd.tmp." + std::to_string(::getpid());
  if (e.output.trace != TraceLevel::off) {
    outputs.vcd_base = dir + "/" + vcd_tmp;
    outputs.gtkw = dir + "/trace.gtkw";
    outputs.gtkw_vcd_name = "trace.vcd";
  }
  if (e.output.timeline) outputs.timeline_json = dir + "/timeline.json";
  outputs.progress =
      e.output.progress == ProgressMode::on || (e.output.progress == ProgressMode::automatic && isatty(STDERR_FILENO));
  RunStats stats;
  // Ctrl-C or SIGTERM: stop between commands and write what was measured, marked incomplete.
  struct sigaction stop {};
  stop.sa_handler = request_stop;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  // Bad input found while setting up (weights, inputs, DRAM size) or an output that cannot be
  // written (a full disk): leave nothing behind, neither a file this run wrote (requests.csv,
  // resolved.yaml) nor its folder if it made it (the AtomicFiles have removed their temporaries).
  auto leave_nothing = [&] {
    std::vector<std::string> names = run_output_names(dir);
    names.push_back(vcd_tmp + ".vcd");
    folder.discard(names);
  };
  try {
    stats = run_experiment(e, outputs);
    if (!outputs.vcd_base.empty()) rename_into_place(outputs.vcd_base + ".vcd", dir + "/trace.vcd");
    write_file_atomically(dir + "/resolved.yaml", emit_resolved(e, localised_config(e, dir)));
    write_file_atomically(dir + "/stats.json", stats_json(stats, e));
    write_file_atomically(dir + "/wallclock.json", wallclock_json(stats));
  } catch (const InputError&) {
    leave_nothing();
    throw;
  } catch (const OutputError&) {
    leave_nothing();
    throw;
  }
  std::cout << stats_summary(stats) << "  results in " << dir << "/\n";
  if (!stats.interrupted.empty()) {
    std::cerr << "interrupted by " << stats.interrupted << ": " << stats.completed << " of " << stats.submitted
              << " requests done; stats.json says \"complete\": false\n";
    return stats.interrupted == "SIGTERM" ? 128 + SIGTERM : 128 + SIGINT;
  }
  if (!stats.error.empty()) return 1;
  if (!stats.failed.empty()) {
    std::cerr << "error: " << stats.failed.size() << " of " << stats.submitted << " requests failed";
    for (const auto& f : stats.failed) std::cerr << "; request " << f.id << ": " << f.reason;
    std::cerr << " (the others completed; see stats.json failed_requests)\n";
    return 1;
  }
  if (stats.functional && stats.mismatches > 0) {
    std::cerr << "error: " << stats.mismatches
              << " sequences differ from the golden reference; first: " << stats.first_mismatch << "\n";
    return 1;
  }
  return 0;
}

}  // namespace ebatch::cli
