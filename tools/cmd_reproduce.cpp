// `ebatch reproduce`: the E-BATCH evaluation rerun end to end. Every network of
// configs/reproduce.yaml on every platform under every policy, on the same
// requests: first with every request arriving at time zero (saturation: the
// throughput figure), then with Poisson arrivals at a fraction of the baseline's
// saturation throughput (moderate load: latency). One `ebatch run` child per run,
// J at a time. Ratios are to the baseline policy (cellular batching, the paper's
// state of the art) on the same network, platform and load, next to the paper's claims.
//
// DIR (--out, default results/reproduce):
//   runs/LOAD/PLATFORM/NETWORK/POLICY/   each run's stats.json, requests.csv, resolved.yaml, run.log
//   reproduce.csv    one row per run: metrics and ratios to the baseline
//   reproduce.json   the same rows, the summary per platform and load, the paper's claims
//   summary.txt      the table printed on stdout
//   plots/           reproduce_ratios.png/.svg, reproduce_latency.png/.svg (tools/plot.py reproduce)
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/config_reader.h"
#include "common/errors.h"
#include "common/experiment.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "ebatch_version.h"
#include "tb/stats_schema.h"
#include "tools/cli.h"
#include "tools/jobs.h"
#include "tools/output_folder.h"
#include "tools/progress.h"
#include "tools/variants.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ebatch::cli {
namespace {

struct PlatformEntry {
  std::string name, hardware, energy;
  int slots = 8;
  double claim_throughput = 0, claim_efficiency = 0;
};

struct NetworkEntry {
  std::string name, network, lengths;
};

struct ReproduceConfig {
  std::string file, base;
  int requests = 0, quick_requests = 0;
  std::vector<std::string> policies;
  std::string baseline;
  double moderate_load = 0.5;
  std::vector<PlatformEntry> platforms;
  std::vector<NetworkEntry> networks;
};

const char* const kLoads[] = {"saturation", "moderate"};

ReproduceConfig load_reproduce_config(const std::string& file) {
  ReproduceConfig c;
  c.file = file;
  const YAML::Node root = load_yaml_file(file);
  auto origins = std::make_shared<ConfigOrigins>();
  origins->add("", file, true);
  const ConfigSection s(root, "", origins);
  c.base = s.existing_file("base");
  c.requests = int(s.integer("requests", 1, 10'000'000));
  c.quick_requests = int(s.integer("quick_requests", 1, 10'000'000, 12));
  const YAML::Node policies = root["policies"];
  if (!policies.IsSequence() || policies.size() == 0)
    s.fail("policies", "must be a list of policies (" + policy_names() + ")");
  s.accept("policies");
  for (const auto& p : policies) {
    const std::string name = p.IsScalar() ? p.Scalar() : "";
    if (!PolicyRegistry::instance().find(name))
      s.fail("policies", "unknown policy '" + name + "' (" + policy_names() + ")");
    if (std::find(c.policies.begin(), c.policies.end(), name) != c.policies.end())
      s.fail("policies", "policy '" + name + "' is listed twice");
    c.policies.push_back(name);
  }
  c.baseline = s.choice("baseline", PolicyRegistry::instance().names(), "cellular");
  if (std::find(c.policies.begin(), c.policies.end(), c.baseline) == c.policies.end())
    s.fail("baseline", "'" + c.baseline + "' is not among the policies");
  if (std::find(c.policies.begin(), c.policies.end(), "ebatch") == c.policies.end())
    s.fail("policies", "must include ebatch (the summary compares it with the baseline)");
  c.moderate_load = s.number("moderate_load", 1e-6, 10.0, 0.5);
  const ConfigSection platforms = s.section("platforms");
  // Names become folder names (runs/LOAD/PLATFORM/NETWORK/): checked first, so none leads out of DIR.
  const std::string name_rule =
      "a name here is a folder name: use letters, digits, '_', '.' and '-' only, not "
      "starting with '.'";
  for (const auto& name : platforms.keys()) {
    if (!is_folder_name(name)) platforms.fail(name, name_rule);
    const ConfigSection p = platforms.section(name);
    PlatformEntry e;
    e.name = name;
    e.hardware = p.existing_file("hardware");
    e.energy = p.existing_file("energy");
    e.slots = int(p.integer("slots", 1, 256));
    const ConfigSection claims = p.section("claims");
    e.claim_throughput = claims.number("throughput", 0.0, 1e6);
    e.claim_efficiency = claims.number("energy_efficiency", 0.0, 1e6);
    claims.finish();
    p.finish();
    c.platforms.push_back(e);
  }
  if (c.platforms.empty()) platforms.fail_section("needs at least one platform");
  const ConfigSection networks = s.section("networks");
  for (const auto& name : networks.keys()) {
    if (!is_folder_name(name)) networks.fail(name, name_rule);
    const ConfigSection n = networks.section(name);
    c.networks.push_back({name, n.existing_file("network"), n.existing_file("lengths")});
    n.finish();
  }
  if (c.networks.empty()) networks.fail_section("needs at least one network");
  s.finish();
  return c;
}

struct Run : stat::Summary {
  int load = 0;  // index into kLoads
  const PlatformEntry* platform = nullptr;
  const NetworkEntry* network = nullptr;
  std::string policy, dir;
  VariantRun variant;       // --variants all: which variant of the policy (else none)
  double offered_rate = 0;  // moderate load only
  // Results: the stat::Summary of its stats.json, and whether it is usable.
  bool ok = false;
  // Ratios to the baseline on the same network, platform and load.
  double throughput_x = 0, efficiency_x = 0, p99_x = 0;
};

std::vector<Override> run_overrides(const Run& r, int requests, const std::string& host) {
  std::vector<Override> o;
  o.push_back({"name", r.network->name + "_" + r.platform->name});
  o.push_back({"description", r.network->name + " on " + r.platform->name + " (ebatch reproduce)"});
  o.push_back({"hardware", r.platform->hardware});
  o.push_back({"energy", r.platform->energy});
  o.push_back({"network", r.network->network});
  o.push_back({"workload.lengths", r.network->lengths});
  o.push_back({"workload.requests", std::to_string(requests)});
  if (r.load == 0) {
    o.push_back({"workload.arrivals", "{process: all_at_zero}"});
  } else {
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.9g /s", r.offered_rate);
    o.push_back({"workload.arrivals", std::string("{process: poisson, rate: '") + rate + "'}"});
  }
  std::string policy = "{kind: " + r.policy + ", host_reaction_latency: '" + host + "'";
  if (!policy_named(r.policy)->single_slot) policy += ", slots: " + std::to_string(r.platform->slots);
  if (policy_named(r.policy)->tunes_window) policy += ", window_steps: auto";
  policy += "}";
  if (!r.variant.variant.empty()) policy = flow(with_variant(YAML::Load(policy), r.variant, YAML::Node()));
  o.push_back({"policy", policy});
  o.push_back({"output.progress", "off"});
  o.push_back({"output.trace", "off"});
  return o;
}

std::string run_command(const std::string& exe, const std::string& base, const std::vector<Override>& o,
                        const std::string& dir) {
  std::string cmd = shell_quote(exe) + " run " + shell_quote(base);
  for (const auto& x : o) cmd += " --set " + shell_quote(x.key + "=" + x.value);
  return cmd + " --out " + shell_quote(dir) + " > " + shell_quote(dir + ".log") + " 2>&1";
}

void read_results(Run& r) {
  static_cast<stat::Summary&>(r) = stat::read_summary(r.dir + "/stats.json");
  r.ok = r.complete;
}

// Runs the batch J at a time; returns how many failed (their logs are named on stderr).
int execute(std::vector<Run*>& batch, const std::string& exe, const ReproduceConfig& c, int requests,
            const std::string& host, int jobs) {
  std::vector<std::string> commands;
  for (Run* r : batch) {
    fs::create_directories(fs::path(r->dir).parent_path());
    commands.push_back(run_command(exe, c.base, run_overrides(*r, requests, host), r->dir));
  }
  int failed = 0;
  const bool tty = isatty(STDERR_FILENO);
  const std::string label = batch.empty() ? "reproduce" : std::string("reproduce ") + kLoads[batch.front()->load];
  Progress progress(label, "runs", batch.size(), 0, batch.size());
  run_forked(
      commands, jobs,
      [&](std::size_t i, int rc) {
        Run& r = *batch[i];
        if (rc == 0) {
          try {
            read_results(r);
          } catch (const std::exception&) {
            r.ok = false;
          }
        }
        if (!r.ok) {
          ++failed;
          std::cerr << (tty ? "\n" : "") << "reproduce: run failed (exit " << rc << "): " << r.dir << " (see " << r.dir
                    << ".log)\n";
        }
        progress.finished(r.ok);
      },
      [&] { progress.tick(); });
  progress.end();
  if (!batch.empty())
    std::cerr << "reproduce: " << kLoads[batch.front()->load] << ": " << batch.size() - std::size_t(failed) << " of "
              << batch.size() << " runs done\n";
  return failed;
}

double geomean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) {
    if (x <= 0) return 0;
    s += std::log(x);
  }
  return std::exp(s / double(v.size()));
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

const char* kUsageText =
    "usage: ebatch reproduce [--quick] [--out DIR] [--jobs J] [--config FILE] [--requests N] [--no-plots]\n"
    "Reruns the E-BATCH evaluation: every network x platform x policy of the config (default\n"
    "configs/reproduce.yaml) on the same requests, at saturation (all requests at time zero) and at a\n"
    "moderate Poisson load (a fraction of the baseline's saturation throughput). Prints throughput and\n"
    "energy efficiency normalised to the baseline (cellular batching), per network and averaged, next\n"
    "to the paper's claims, with latency and padding. Writes DIR/reproduce.csv, reproduce.json,\n"
    "summary.txt, plots/ and runs/LOAD/PLATFORM/NETWORK/POLICY/.\n"
    "  --quick        quick_requests per run (a smoke test: the figures are not meaningful);\n"
    "                 DIR defaults to results/reproduce_quick, so a full run's results stay\n"
    "  --requests N   requests per run (default: the config's requests)\n"
    "  --jobs J       runs at a time (default: the number of cores)\n"
    "  --no-plots     skip tools/plot.py (it needs python3-matplotlib)\n"
    "  --variants all run every variant of each policy that has them (compare --help) and take the\n"
    "                 ratios to the baseline's strongest variant at saturation on each network and\n"
    "                 platform (the moderate load offers a fraction of its throughput); the default\n"
    "  --variants none each policy once, with its configured options\n";

}  // namespace

int command_reproduce(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("quick", "")("no-plots", "")("out", po::value<std::string>(), "")(
      "jobs,j", po::value<int>(), "")("config", po::value<std::string>(), "")("requests", po::value<int>(), "")(
      "variants", po::value<std::string>()->default_value("all"), "");
  po::variables_map vm;
  try {
    const po::positional_options_description no_positional;  // a stray argument is an error
    po::store(po::command_line_parser(args).options(opts).positional(no_positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& err) {
    throw InputError(std::string("ebatch reproduce: ") + err.what() + " (see ebatch reproduce --help)");
  }
  if (vm.count("help")) {
    std::cout << kUsageText;
    return 0;
  }
  std::string config_file = "configs/reproduce.yaml";
  if (vm.count("config")) {
    config_file = vm["config"].as<std::string>();
  } else if (std::error_code ec; !fs::exists(config_file, ec)) {
    config_file = std::string(EBATCH_SOURCE_DIR) + "/" + config_file;
  }
  const ReproduceConfig c = load_reproduce_config(config_file);
  const bool all_variants = parse_variants_option(vm["variants"].as<std::string>(), "reproduce");
  const bool quick = vm.count("quick") > 0;
  int requests = quick ? c.quick_requests : c.requests;
  if (vm.count("requests")) requests = vm["requests"].as<int>();
  if (requests < 1) throw InputError("ebatch reproduce: --requests must be at least 1");
  const int jobs = vm.count("jobs") ? vm["jobs"].as<int>() : int(std::max(1u, std::thread::hardware_concurrency()));
  if (jobs < 1) throw InputError("ebatch reproduce: --jobs must be at least 1");
  // --quick has its own default folder: a smoke test never overwrites the results of a full run.
  const std::string out = fs::absolute(vm.count("out") ? vm["out"].as<std::string>()
                                       : quick         ? "results/reproduce_quick"
                                                       : "results/reproduce")
                              .string();

  // Every run's config is checked before anything is written.
  const Experiment base = load_experiment(c.base);
  const std::string host = base.resolved["policy"]["host_reaction_latency"].as<std::string>();
  std::vector<Run> runs;
  for (int load = 0; load < 2; ++load)
    for (const auto& p : c.platforms)
      for (const auto& n : c.networks)
        for (const auto& v : expand_variants(c.policies, all_variants)) {
          const std::string& pol = v.policy;
          Run r;
          r.load = load;
          r.platform = &p;
          r.network = &n;
          r.policy = pol;
          r.variant = v;
          r.offered_rate = 1;  // placeholder for validation; set from the saturation runs
          r.dir = out + "/runs/" + kLoads[load] + "/" + p.name + "/" + n.name + "/" + v.folder();
          try {
            load_experiment(c.base, run_overrides(r, requests, host));
          } catch (const InputError& e) {
            throw InputError(c.file + ": platform '" + p.name + "', network '" + n.name + "', policy '" + v.label() +
                             "': " + e.what());
          }
          runs.push_back(r);
        }
  const OutputFolder folder(out, "ebatch reproduce");  // one reproduce at a time in DIR
  const std::string exe = self_path();
  std::cerr << "reproduce: " << runs.size() << " runs of " << requests << " requests, " << jobs << " at a time\n";
  auto find = [&](int load, const PlatformEntry* p, const NetworkEntry* n, const std::string& pol,
                  const std::string& variant = "") -> Run* {
    for (auto& r : runs)
      if (r.load == load && r.platform == p && r.network == n && r.policy == pol &&
          (variant.empty() || r.variant.variant == variant))
        return &r;
    return nullptr;
  };
  // The baseline run the ratios take: with --variants, the variant strongest at saturation
  // (the highest throughput; ties: the lower energy per sequence), at both loads.
  auto find_baseline = [&](int load, const PlatformEntry* p, const NetworkEntry* n) -> Run* {
    if (!all_variants) return find(load, p, n, c.baseline);
    const Run* best = nullptr;
    for (const auto& r : runs)
      if (r.load == 0 && r.platform == p && r.network == n && r.policy == c.baseline && r.ok &&
          (!best || stronger(r.throughput, r.energy_per_seq, best->throughput, best->energy_per_seq)))
        best = &r;
    return best ? find(load, p, n, c.baseline, best->variant.variant) : find(load, p, n, c.baseline);
  };
  int failed = 0;
  for (int load = 0; load < 2; ++load) {
    std::vector<Run*> batch;
    for (auto& r : runs) {
      if (r.load != load) continue;
      if (load == 1) {
        const Run* b = find_baseline(0, r.platform, r.network);
        if (!b->ok || b->throughput <= 0) continue;  // no rate to offer: counted as failed below
        r.offered_rate = c.moderate_load * b->throughput;
      }
      batch.push_back(&r);
    }
    for (auto& r : runs)
      if (r.load == load && std::find(batch.begin(), batch.end(), &r) == batch.end()) ++failed;
    failed += execute(batch, exe, c, requests, host, jobs);
  }
  // Ratios to the baseline.
  for (auto& r : runs) {
    const Run* b = find_baseline(r.load, r.platform, r.network);
    if (!r.ok || !b->ok) continue;
    r.throughput_x = b->throughput > 0 ? r.throughput / b->throughput : 0;
    r.efficiency_x = r.energy_per_seq > 0 ? b->energy_per_seq / r.energy_per_seq : 0;
    r.p99_x = b->p99 > 0 ? r.p99 / b->p99 : 0;
  }

  // Table, CSV and JSON.
  std::ostringstream table, csv;
  char line[512];
  table << "E-BATCH evaluation (" << c.file << "): " << requests << " requests per run"
        << (quick ? " (--quick: a smoke test, figures not meaningful)" : "") << ", ratios to " << c.baseline
        << " on the same network, platform and load\n";
  std::snprintf(line, sizeof line, "%-10s %-5s %-15s %-9s %11s %10s %10s %11s %7s %7s | %7s %7s %7s\n", "load", "plat",
                "network", "policy", "seq/s", "p50", "p99", "energy/seq", "pad", "util", "thr x", "eff x", "p99 x");
  table << line;
  csv << "load,platform,network,policy,requests,offered_rate_per_s,throughput_per_s,latency_mean_s,latency_p50_s,"
         "latency_p99_s,energy_per_sequence_j,padding_fraction,compute_utilisation,window_steps,throughput_ratio,"
         "energy_efficiency_ratio,p99_latency_ratio,complete,description\n";
  JsonWriter j;
  j.begin_object().value("config", c.file).value("requests_per_run", requests).value("quick", quick);
  j.value("baseline", c.baseline).value("moderate_load_fraction", c.moderate_load);
  j.begin_array("runs");
  for (const auto& r : runs) {
    if (r.ok) {
      std::snprintf(line, sizeof line,
                    "%-10s %-5s %-15s %-9s %11.4g %10s %10s %11s %6.1f%% %6.1f%% | %7.3f %7.3f %7.3f\n", kLoads[r.load],
                    r.platform->name.c_str(), r.network->name.c_str(), r.variant.label().c_str(), r.throughput,
                    units::format_time(r.p50).c_str(), units::format_time(r.p99).c_str(),
                    units::format_energy(r.energy_per_seq).c_str(), 100 * r.padding, 100 * r.utilisation,
                    r.throughput_x, r.efficiency_x, r.p99_x);
    } else {
      std::snprintf(line, sizeof line, "%-10s %-5s %-15s %-9s   FAILED (see %s.log)\n", kLoads[r.load],
                    r.platform->name.c_str(), r.network->name.c_str(), r.variant.label().c_str(), r.dir.c_str());
    }
    table << line;
    std::snprintf(line, sizeof line, "%s,%s,%s,%s,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%lld,%.6g,%.6g,%.6g,%s,",
                  kLoads[r.load], r.platform->name.c_str(), r.network->name.c_str(), r.variant.label().c_str(),
                  requests, r.load ? r.offered_rate : 0.0, r.throughput, r.mean, r.p50, r.p99, r.energy_per_seq,
                  r.padding, r.utilisation, r.window, r.throughput_x, r.efficiency_x, r.p99_x, r.ok ? "true" : "false");
    csv << line << csv_quote(r.description) << "\n";
    j.begin_object()
        .value("load", kLoads[r.load])
        .value("platform", r.platform->name)
        .value("network", r.network->name)
        .value("policy", r.policy);
    if (all_variants) j.value("variant", r.variant.variant);
    j.value("complete", r.ok)
        .value("offered_rate_per_s", r.load ? r.offered_rate : 0.0)
        .value("throughput_per_s", r.throughput)
        .value("latency_mean_s", r.mean)
        .value("latency_p50_s", r.p50)
        .value("latency_p99_s", r.p99)
        .value("energy_per_sequence_j", r.energy_per_seq)
        .value("padding_fraction", r.padding)
        .value("compute_utilisation", r.utilisation)
        .value("window_steps", r.window)
        .value("throughput_ratio", r.throughput_x)
        .value("energy_efficiency_ratio", r.efficiency_x)
        .value("p99_latency_ratio", r.p99_x)
        .value("description", r.description)
        .value("dir", fs::relative(r.dir, out).string())
        .end_object();
  }
  j.end_array();
  // Summary: E-BATCH against the baseline, per platform and load, next to the paper.
  table << "\nE-BATCH vs " << c.baseline << " (per network, then the arithmetic and geometric means)\n";
  std::snprintf(line, sizeof line, "%-10s %-5s %-15s %12s %12s %10s   %s\n", "load", "plat", "network", "throughput x",
                "energy eff x", "p99 x", "paper (throughput x, energy eff x)");
  table << line;
  j.begin_array("summary");
  for (int load = 0; load < 2; ++load)
    for (const auto& p : c.platforms) {
      std::vector<double> thr, eff, lat;
      j.begin_object().value("load", kLoads[load]).value("platform", p.name);
      j.value("paper_throughput_ratio", p.claim_throughput).value("paper_energy_efficiency_ratio", p.claim_efficiency);
      j.begin_array("networks");
      for (const auto& n : c.networks) {
        const Run* r = find(load, &p, &n, "ebatch");
        if (!r->ok || r->throughput_x <= 0) continue;
        thr.push_back(r->throughput_x);
        eff.push_back(r->efficiency_x);
        lat.push_back(r->p99_x);
        const Run* b = find_baseline(load, &p, &n);
        std::snprintf(line, sizeof line, "%-10s %-5s %-15s %12.3f %12.3f %10.3f%s%s\n", kLoads[load], p.name.c_str(),
                      n.name.c_str(), r->throughput_x, r->efficiency_x, r->p99_x, all_variants ? "   vs " : "",
                      all_variants ? b->variant.label().c_str() : "");
        table << line;
        j.begin_object().value("network", n.name);
        if (all_variants) j.value("baseline_variant", b->variant.variant);
        j.value("throughput_ratio", r->throughput_x)
            .value("energy_efficiency_ratio", r->efficiency_x)
            .value("p99_latency_ratio", r->p99_x)
            .end_object();
      }
      j.end_array();
      j.value("mean_throughput_ratio", mean(thr)).value("mean_energy_efficiency_ratio", mean(eff));
      j.value("geomean_throughput_ratio", geomean(thr)).value("geomean_energy_efficiency_ratio", geomean(eff));
      j.value("geomean_p99_latency_ratio", geomean(lat)).end_object();
      std::snprintf(line, sizeof line, "%-10s %-5s %-15s %12.3f %12.3f %10s   %.1fx, %.1fx\n", kLoads[load],
                    p.name.c_str(), "mean", mean(thr), mean(eff), "", p.claim_throughput, p.claim_efficiency);
      table << line;
      std::snprintf(line, sizeof line, "%-10s %-5s %-15s %12.3f %12.3f %10.3f\n", kLoads[load], p.name.c_str(),
                    "geomean", geomean(thr), geomean(eff), geomean(lat));
      table << line;
    }
  j.end_array();
  j.value("failed_runs", failed).end_object();
  table << "\nAt moderate load every stable policy carries the offered rate, so throughput x is about 1 there;\n"
           "the throughput claim is the saturation row. Offered rate = "
        << c.moderate_load << " x the " << c.baseline << " saturation throughput.\n";
  write_file_atomically(out + "/reproduce.csv", csv.str());
  write_file_atomically(out + "/reproduce.json", j.str());
  write_file_atomically(out + "/summary.txt", table.str());
  std::cout << table.str();
  if (!vm.count("no-plots")) {
    const std::string script = std::string(EBATCH_SOURCE_DIR) + "/tools/plot.py";
    std::error_code ec;
    const std::string python = fs::exists("/usr/bin/python3", ec) ? "/usr/bin/python3" : "python3";
    const std::string cmd = shell_quote(python) + " " + shell_quote(script) + " reproduce " + shell_quote(out) +
                            " --out " + shell_quote(out + "/plots/reproduce") + " > " +
                            shell_quote(out + "/plots.log") + " 2>&1";
    fs::create_directories(out + "/plots");
    int rc = 126;
    run_forked({cmd}, 1, [&](std::size_t, int code) { rc = code; });
    if (rc == 0)
      std::cout << "plots in " << out << "/plots/\n";
    else
      std::cerr << "reproduce: plots not made (tools/plot.py exit " << rc << ", see " << out
                << "/plots.log; it needs python3-matplotlib: bash tools/setup.sh plots)\n";
  }
  std::cout << "results in " << out << "/ (reproduce.csv, reproduce.json, summary.txt, runs/)\n";
  if (failed) {
    std::cerr << "reproduce: " << failed << " of " << runs.size() << " runs failed\n";
    return 1;
  }
  return 0;
}

}  // namespace ebatch::cli
