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
#include <cctype>
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
#include "tb/energy_recompute.h"
#include "tb/stats_schema.h"
#include "tools/capacity.h"
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

// A platform's uncertain parameters (the `uncertainty` section): energy-only factors, every
// combination recomputed from each run's action counts (tb/energy_recompute.h), and timing
// alternatives, each a set of saturation reruns with one key changed.
struct Uncertainty {
  std::vector<std::pair<std::string, std::vector<double>>> energy;  // target -> factors
  std::vector<Override> timing;                                     // key = value, one rerun each
  // Every combination of the energy factors (one factor per target).
  std::vector<std::vector<std::pair<std::string, double>>> corners() const;
};

struct ReproduceConfig {
  std::string file, base;
  int requests = 0, quick_requests = 0;
  std::vector<std::string> policies;
  std::string baseline;
  double moderate_load = 0.5;
  std::vector<PlatformEntry> platforms;
  std::vector<NetworkEntry> networks;
  // Capacity at an SLO (the `capacity` and `slo` sections); no capacity phase without them.
  bool capacity = false;
  CapacityRules rules, quick_rules;
  int seeds = 1;              // capacity.seeds: each search with seeds seed..seed+K-1 (--quick: 1)
  int timing_max_probes = 0;  // capacity.timing_max_probes: probes of a search under a timing alternative
  // capacity.variants: search each policy's variant strongest at saturation ("saturation"), or
  // every variant and take the highest capacity ("all"; with reproduce --variants all).
  bool capacity_all_variants = false;
  std::map<std::string, std::map<std::string, Slo>> slo;  // network -> platform -> SLO
  std::map<std::string, Uncertainty> uncertainty;         // platform -> its parameters
};

std::vector<std::vector<std::pair<std::string, double>>> Uncertainty::corners() const {
  std::vector<std::vector<std::pair<std::string, double>>> out = {{}};
  for (const auto& [target, factors] : energy) {
    std::vector<std::vector<std::pair<std::string, double>>> next;
    for (const auto& c : out)
      for (double f : factors) {
        auto d = c;
        d.push_back({target, f});
        next.push_back(d);
      }
    out = next;
  }
  return out;
}

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
  if (s.has("capacity")) {
    const ConfigSection cap = s.section("capacity");
    c.capacity = true;
    c.rules.requests = int(cap.integer("requests", 10, 10'000'000));
    c.quick_rules.requests = int(cap.integer("quick_requests", 10, 10'000'000, 40));
    c.rules.max_requests = int(cap.integer("max_requests", c.rules.requests, 10'000'000, 20000));
    c.quick_rules.max_requests = c.quick_rules.requests;  // --quick: a smoke test, fixed length
    c.rules.span = cap.number("span", 0.0, 1e4, 20);
    c.quick_rules.span = 0;
    c.rules.warmup_fraction = c.quick_rules.warmup_fraction = cap.number("warmup", 0.0, 0.89, 0.2);
    c.rules.tolerance = c.quick_rules.tolerance = cap.number("tolerance", 1e-4, 0.99, 0.05);
    c.rules.max_probes = int(cap.integer("max_probes", 1, 64, 8));
    c.quick_rules.max_probes = int(cap.integer("quick_max_probes", 1, 64, 3));
    c.seeds = int(cap.integer("seeds", 1, 100, 1));
    c.timing_max_probes = int(cap.integer("timing_max_probes", 1, 64, c.rules.max_probes));
    c.capacity_all_variants = cap.choice("variants", {"saturation", "all"}, "saturation") == "all";
    cap.finish();
    const ConfigSection slo = s.section("slo");
    for (const auto& n : c.networks) {
      if (!slo.has(n.name))
        slo.fail(n.name, "missing: every network needs an SLO (e.g. p99=2s, or a map platform: SLO)");
      const YAML::Node node = root["slo"][n.name];
      for (const auto& p : c.platforms) {
        const std::string key = "slo." + n.name + (node.IsMap() ? "." + p.name : "");
        const YAML::Node v = node.IsMap() ? node[p.name] : node;
        if (!v || !v.IsScalar()) s.fail(key, "missing: give STAT=TIME (e.g. p99=2s) for platform '" + p.name + "'");
        try {
          c.slo[n.name][p.name] = parse_slo(v.Scalar(), "slo");
        } catch (const InputError& e) {
          s.fail(key, std::string(e.what()).substr(5));
        }
      }
      if (node.IsMap())
        for (const auto& kv : node)
          if (std::none_of(c.platforms.begin(), c.platforms.end(),
                           [&](const PlatformEntry& p) { return p.name == kv.first.Scalar(); }))
            s.fail("slo." + n.name + "." + kv.first.Scalar(), "not a platform of this config");
    }
    for (const auto& kv : root["slo"])
      if (std::none_of(c.networks.begin(), c.networks.end(),
                       [&](const NetworkEntry& n) { return n.name == kv.first.Scalar(); }))
        s.fail("slo." + kv.first.Scalar(), "not a network of this config");
    s.accept("slo");
  }
  if (s.has("uncertainty")) {
    const ConfigSection u = s.section("uncertainty");
    for (const auto& name : u.keys()) {
      if (std::none_of(c.platforms.begin(), c.platforms.end(), [&](const PlatformEntry& p) { return p.name == name; }))
        u.fail(name, "not a platform of this config");
      const ConfigSection pu = u.section(name);
      Uncertainty un;
      const YAML::Node node = root["uncertainty"][name];
      for (const auto& kv : node["energy"]) {
        const std::string target = kv.first.Scalar(), key = "uncertainty." + name + ".energy." + target;
        if (!kv.second.IsSequence() || kv.second.size() == 0) s.fail(key, "must be a list of factors (e.g. [0.25, 1])");
        std::vector<double> factors;
        for (const auto& f : kv.second) {
          double x = -1;
          try {
            x = f.as<double>();
          } catch (const YAML::Exception&) {
          }
          if (!(x >= 0 && x <= 1e6)) s.fail(key, "'" + f.Scalar() + "' is not a factor from 0 to 1e6");
          factors.push_back(x);
        }
        un.energy.push_back({target, factors});
      }
      for (const auto& kv : node["timing"]) {
        const std::string key = "uncertainty." + name + ".timing." + kv.first.Scalar();
        if (!kv.second.IsSequence() || kv.second.size() == 0) s.fail(key, "must be a list of values (e.g. [serial])");
        for (const auto& v : kv.second) un.timing.push_back({kv.first.Scalar(), v.Scalar()});
      }
      for (const auto& k : pu.keys())
        if (k != "energy" && k != "timing") pu.fail(k, "unknown key (energy, timing)");
      pu.accept("energy");
      pu.accept("timing");
      c.uncertainty[name] = un;
    }
    s.accept("uncertainty");
  }
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
  int timing = 0;           // 0: the defaults; i: the platform's i-th timing alternative (saturation only)
  // Results: the stat::Summary of its stats.json, and whether it is usable.
  bool ok = false;
  // Ratios to the baseline on the same network, platform and load.
  double throughput_x = 0, efficiency_x = 0, p99_x = 0;
  // Energy per sequence at each energy corner of the platform's uncertainty (index 0: none).
  std::vector<double> corner_energy;
};

std::vector<Override> run_overrides(const Run& r, int requests, const std::string& host, const ReproduceConfig& c) {
  std::vector<Override> o;
  o.push_back({"name", r.network->name + "_" + r.platform->name});
  o.push_back({"description", r.network->name + " on " + r.platform->name + " (ebatch reproduce)"});
  o.push_back({"hardware", r.platform->hardware});
  o.push_back({"energy", r.platform->energy});
  o.push_back({"network", r.network->network});
  o.push_back({"workload.lengths", r.network->lengths});
  o.push_back({"workload.requests", std::to_string(requests)});
  o.push_back(arrivals_override(r.load == 0 ? 0.0 : r.offered_rate));
  std::string policy = "{kind: " + r.policy + ", host_reaction_latency: '" + host + "'";
  if (!policy_named(r.policy)->single_slot) policy += ", slots: " + std::to_string(r.platform->slots);
  if (policy_named(r.policy)->tunes_window) policy += ", window_steps: auto";
  policy += "}";
  if (!r.variant.variant.empty()) policy = flow(with_variant(YAML::Load(policy), r.variant, YAML::Node()));
  o.push_back({"policy", policy});
  o.push_back({"output.progress", "off"});
  o.push_back({"output.trace", "off"});
  if (r.timing > 0) o.push_back(c.uncertainty.at(r.platform->name).timing[std::size_t(r.timing - 1)]);
  return o;
}

void read_results(Run& r) {
  static_cast<stat::Summary&>(r) = stat::read_summary(r.dir + "/stats.json");
  r.ok = r.complete;
}

// Energy per sequence of a finished run at each energy corner (tb/energy_recompute.h).
std::vector<double> corner_energies(const std::string& dir, const Uncertainty* u) {
  if (!u || u->energy.empty()) return {};
  const Experiment e = load_experiment(dir + "/resolved.yaml");
  const YAML::Node stats = YAML::LoadFile(dir + "/stats.json");
  std::vector<double> out;
  for (const auto& corner : u->corners()) {
    Experiment x = e;
    for (const auto& [target, factor] : corner) scale_energy(x.energy, target, factor, "uncertainty");
    out.push_back(recompute_energy(x, stats).per_sequence_j);
  }
  return out;
}

// Runs the batch J at a time; returns how many failed (their logs are named on stderr).
int execute(std::vector<Run*>& batch, const std::string& exe, const ReproduceConfig& c, int requests,
            const std::string& host, int jobs, const std::string& what) {
  std::vector<std::string> commands;
  for (Run* r : batch) {
    fs::create_directories(fs::path(r->dir).parent_path());
    commands.push_back(run_command(exe, c.base, run_overrides(*r, requests, host, c), r->dir));
  }
  int failed = 0;
  const bool tty = isatty(STDERR_FILENO);
  Progress progress("reproduce " + what, "runs", batch.size(), 0, batch.size());
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
    std::cerr << "reproduce: " << what << ": " << batch.size() - std::size_t(failed) << " of " << batch.size()
              << " runs done\n";
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

// A ratio at the defaults and its range over the uncertain settings.
struct Ranged {
  double value = 0, lo = 0, hi = 0;
  void add(double x) {
    if (x <= 0) return;
    lo = lo > 0 ? std::min(lo, x) : x;
    hi = std::max(hi, x);
  }
  std::string text() const {
    char b[64];
    if (lo > 0 && (lo < value * (1 - 5e-4) || hi > value * (1 + 5e-4)))
      std::snprintf(b, sizeof b, "%.2f [%.2f-%.2f]", value, lo, hi);
    else
      std::snprintf(b, sizeof b, "%.2f", value);
    return b;
  }
  void json(JsonWriter& j, const std::string& key) const {
    j.value(key, value).value(key + "_min", lo > 0 ? lo : value).value(key + "_max", hi > 0 ? hi : value);
  }
};

// Per-setting values of a ratio across networks, reduced to a mean over networks per setting.
struct RangedMean {
  std::vector<double> at_default;
  std::map<int, std::vector<double>> per_setting;
  Ranged reduce(double (*f)(const std::vector<double>&)) const {
    Ranged r;
    r.value = f(at_default);
    r.add(r.value);
    for (const auto& [k, v] : per_setting)
      if (v.size() == at_default.size()) r.add(f(v));
    return r;
  }
};

const char* kUsageText =
    "usage: ebatch reproduce [--quick] [--out DIR] [--jobs J] [--config FILE] [--requests N] [--no-plots]\n"
    "                        [--variants all|none] [--no-capacity]\n"
    "Reruns the E-BATCH evaluation: every network x platform x policy of the config (default\n"
    "configs/reproduce.yaml) on the same requests, at saturation (all requests at time zero) and at a\n"
    "moderate Poisson load (a fraction of the baseline's saturation throughput); then, with the config's\n"
    "capacity and slo sections, each policy's capacity at the network's SLO (ebatch capacity's search)\n"
    "and the energy per sequence there; and the ratios' ranges over the uncertainty section (energy\n"
    "figures recomputed from the runs' action counts, timing alternatives rerun at saturation and, for\n"
    "E-BATCH and the baseline, searched again at capacity). capacity.seeds K repeats every search with\n"
    "seeds seed..seed+K-1 (the median and the range); capacity.variants: all searches every variant\n"
    "and takes each policy's highest capacity (default saturation: the variant strongest at saturation).\n"
    "Prints throughput, energy efficiency and capacity of E-BATCH over the strongest baseline variant,\n"
    "geometric means first, next to the paper's claims. Writes reproduce.csv, reproduce.json,\n"
    "capacity.csv, summary.txt, plots/ and runs/ into DIR: by default a new folder per invocation,\n"
    "results/reproduce/NNN (NNN_quick with --quick), with results/reproduce/latest (latest_quick)\n"
    "pointing at it, so a --quick never overwrites a full run's results.\n"
    "  --quick        quick_requests per run, capacity.quick_requests and quick_max_probes per search,\n"
    "                 one seed, no capacity search under the timing alternatives (a smoke test: the\n"
    "                 figures are not meaningful)\n"
    "  --requests N   requests per saturation and moderate run (default: the config's requests)\n"
    "  --jobs J       runs at a time (default: the number of cores)\n"
    "  --no-plots     skip tools/plot.py (it needs python3-matplotlib)\n"
    "  --no-capacity  skip the capacity searches\n"
    "  --variants all run every variant of each policy that has them (compare --help) and take the\n"
    "                 ratios to the baseline's strongest variant at saturation on each network and\n"
    "                 platform (the moderate load offers a fraction of its throughput); the default\n"
    "  --variants none each policy once, with its configured options\n";

// The folder of this invocation: DIR/NNN or DIR/NNN_quick (one more than the highest number
// there), with DIR/latest or DIR/latest_quick pointing at it (replaced atomically).
std::string invocation_folder(const std::string& root, bool quick) {
  int highest = 0;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::size_t digits = 0;
    while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
    if (digits == 0 || digits > 6 || (digits < name.size() && name.substr(digits) != "_quick")) continue;
    highest = std::max(highest, std::stoi(name.substr(0, digits)));
  }
  char name[32];
  std::snprintf(name, sizeof name, "%03d%s", highest + 1, quick ? "_quick" : "");
  return root + "/" + name;
}

void point_latest(const std::string& root, const std::string& dir, bool quick) {
  const std::string link = root + (quick ? "/latest_quick" : "/latest"), tmp = link + ".tmp";
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_directory_symlink(fs::path(dir).filename(), tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);
}

}  // namespace

int command_reproduce(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("quick", "")("no-plots", "")("no-capacity", "")("out", po::value<std::string>(), "")(
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
  const bool with_capacity = c.capacity && !vm.count("no-capacity");
  const CapacityRules& rules = quick ? c.quick_rules : c.rules;
  int requests = quick ? c.quick_requests : c.requests;
  if (vm.count("requests")) requests = vm["requests"].as<int>();
  if (requests < 1) throw InputError("ebatch reproduce: --requests must be at least 1");
  const int jobs = vm.count("jobs") ? vm["jobs"].as<int>() : int(std::max(1u, std::thread::hardware_concurrency()));
  if (jobs < 1) throw InputError("ebatch reproduce: --jobs must be at least 1");
  if (vm.count("out") && vm["out"].as<std::string>().empty())
    throw InputError("ebatch reproduce: --out is empty; give a folder (see ebatch reproduce --help)");

  // Every run's config is checked before anything is written.
  const Experiment base = load_experiment(c.base);
  const std::string host = base.resolved["policy"]["host_reaction_latency"].as<std::string>();
  for (const auto& entry : c.uncertainty) {
    // Named, not a structured binding: C++17 lambdas cannot capture those (clang refuses).
    const std::string& name = entry.first;
    const auto& u = entry.second;
    const auto p = std::find_if(c.platforms.begin(), c.platforms.end(), [&](const auto& x) { return x.name == name; });
    EnergyTable t = load_energy_table(
        p->energy, load_experiment(c.base, {{"hardware", p->hardware}, {"energy", p->energy}}).hardware.platform);
    for (const auto& [target, factors] : u.energy)
      scale_energy(t, target, 1.0, c.file + ": key 'uncertainty." + name + ".energy." + target + "'");
  }
  std::vector<Run> runs;
  auto add_run = [&](int load, const PlatformEntry& p, const NetworkEntry& n, const VariantRun& v, int timing,
                     const std::string& root) {
    Run r;
    r.load = load;
    r.platform = &p;
    r.network = &n;
    r.policy = v.policy;
    r.variant = v;
    r.timing = timing;
    r.offered_rate = 1;  // placeholder for validation; set from the saturation runs
    const std::string load_name = timing ? "saturation-" + std::to_string(timing) : std::string(kLoads[load]);
    r.dir = root + "/runs/" + load_name + "/" + p.name + "/" + n.name + "/" + v.folder();
    try {
      load_experiment(c.base, run_overrides(r, requests, host, c));
    } catch (const InputError& e) {
      throw InputError(c.file + ": platform '" + p.name + "', network '" + n.name + "', policy '" + v.label() + "'" +
                       (timing ? ", timing alternative " + std::to_string(timing) : "") + ": " + e.what());
    }
    runs.push_back(r);
  };
  const std::vector<VariantRun> variant_runs = expand_variants(c.policies, all_variants);
  // The folder: --out, or a new one per invocation under results/reproduce.
  const std::string root = fs::absolute("results/reproduce").string();
  const bool own_folder = !vm.count("out");
  const std::string out =
      own_folder ? invocation_folder(root, quick) : fs::absolute(vm["out"].as<std::string>()).string();
  for (int load = 0; load < 2; ++load)
    for (const auto& p : c.platforms)
      for (const auto& n : c.networks)
        for (const auto& v : variant_runs) add_run(load, p, n, v, 0, out);
  for (const auto& p : c.platforms) {
    const auto u = c.uncertainty.find(p.name);
    if (u == c.uncertainty.end()) continue;
    for (std::size_t t = 0; t < u->second.timing.size(); ++t)
      for (const auto& n : c.networks)
        for (const auto& v : variant_runs) add_run(0, p, n, v, int(t + 1), out);
  }
  const OutputFolder folder(out, "ebatch reproduce");  // one reproduce at a time in DIR
  if (own_folder) point_latest(root, out, quick);
  const std::string exe = self_path();
  std::cerr << "reproduce: " << runs.size() << " runs of " << requests << " requests, " << jobs << " at a time, into "
            << out << "\n";
  auto find = [&](int load, const PlatformEntry* p, const NetworkEntry* n, const std::string& pol,
                  const std::string& variant = "", int timing = 0) -> Run* {
    for (auto& r : runs)
      if (r.load == load && r.timing == timing && r.platform == p && r.network == n && r.policy == pol &&
          (variant.empty() || r.variant.variant == variant))
        return &r;
    return nullptr;
  };
  // A policy's strongest run at saturation (the highest throughput; ties: the lower energy per
  // sequence) under timing setting `timing`; with --variants none its only run.
  auto strongest = [&](const PlatformEntry* p, const NetworkEntry* n, const std::string& pol, int timing = 0) -> Run* {
    if (!all_variants) return find(0, p, n, pol, "", timing);
    Run* best = nullptr;
    for (auto& r : runs)
      if (r.load == 0 && r.timing == timing && r.platform == p && r.network == n && r.policy == pol && r.ok &&
          (!best || stronger(r.throughput, r.energy_per_seq, best->throughput, best->energy_per_seq)))
        best = &r;
    return best ? best : find(0, p, n, pol, "", timing);
  };
  // The baseline run the ratios take: with --variants, the variant strongest at saturation, at both loads.
  auto find_baseline = [&](int load, const PlatformEntry* p, const NetworkEntry* n) -> Run* {
    const Run* b = strongest(p, n, c.baseline);
    return find(load, p, n, c.baseline, all_variants ? b->variant.variant : "");
  };
  int failed = 0;
  {
    std::vector<Run*> batch;  // saturation, with the timing alternatives
    for (auto& r : runs)
      if (r.load == 0) batch.push_back(&r);
    failed += execute(batch, exe, c, requests, host, jobs, "saturation");
    batch.clear();
    for (auto& r : runs) {
      if (r.load != 1) continue;
      const Run* b = find_baseline(0, r.platform, r.network);
      if (!b->ok || b->throughput <= 0) {
        ++failed;  // no rate to offer
        continue;
      }
      r.offered_rate = c.moderate_load * b->throughput;
      batch.push_back(&r);
    }
    failed += execute(batch, exe, c, requests, host, jobs, "moderate");
  }
  // Capacity at the SLO: E-BATCH and each baseline's strongest variant at saturation, at the
  // default timing; E-BATCH and the baseline's strongest variant again under each timing
  // alternative (not with --quick).
  struct CapacityRow {
    const PlatformEntry* platform;
    const NetworkEntry* network;
    const Run* saturation;  // the run whose configuration is searched (its variant and timing)
    std::uint64_t seed;     // the search's seed (lengths and arrivals)
    CapacityTarget target;
    std::vector<double> corner_energy;  // energy per sequence at the capacity, per energy corner
  };
  std::vector<CapacityRow> capacity;
  const bool search_timings = with_capacity && !quick;
  const int seeds = quick ? 1 : c.seeds;
  if (with_capacity) {
    // One search per seed (seed-S subfolders when K > 1), each from the saturation run's throughput.
    auto add_search = [&](const Run* s) {
      const PlatformEntry& p = *s->platform;
      const NetworkEntry& n = *s->network;
      for (int k = 0; k < seeds; ++k) {
        CapacityRow row{&p, &n, s, base.seed + std::uint64_t(k), {}, {}};
        const std::string phase = s->timing ? "capacity-" + std::to_string(s->timing) : std::string("capacity");
        const std::string seed_dir = seeds > 1 ? "/seed-" + std::to_string(row.seed) : "";
        row.target.label = p.name + "/" + n.name + "/" + s->variant.label() +
                           (s->timing ? " (timing " + std::to_string(s->timing) + ")" : "") +
                           (seeds > 1 ? " seed " + std::to_string(row.seed) : "");
        row.target.dir = out + "/runs/" + phase + "/" + p.name + "/" + n.name + "/" + s->variant.folder() + seed_dir;
        row.target.base = c.base;
        Run probe = *s;
        probe.load = 1;
        row.target.overrides = run_overrides(probe, requests, host, c);
        row.target.overrides.erase(std::remove_if(row.target.overrides.begin(), row.target.overrides.end(),
                                                  [](const Override& o) {
                                                    return o.key == "workload.arrivals" || o.key == "workload.requests";
                                                  }),
                                   row.target.overrides.end());
        if (seeds > 1) row.target.overrides.push_back({"seed", std::to_string(row.seed)});
        row.target.slo = c.slo.at(n.name).at(p.name);
        row.target.upper = s->throughput;
        if (s->timing) row.target.max_probes = c.timing_max_probes;
        capacity.push_back(row);
      }
    };
    // The variant strongest at saturation, or (capacity.variants: all) every variant that ran.
    const bool every_variant = c.capacity_all_variants && all_variants;
    auto add_searches = [&](const PlatformEntry* p, const NetworkEntry* n, const std::string& pol, int timing) {
      if (!every_variant) {
        const Run* s = strongest(p, n, pol, timing);
        if (s && s->ok) add_search(s);
        return;
      }
      for (const auto& r : runs)
        if (r.load == 0 && r.timing == timing && r.platform == p && r.network == n && r.policy == pol && r.ok)
          add_search(&r);
    };
    for (const auto& p : c.platforms)
      for (const auto& n : c.networks)
        for (const auto& pol : c.policies) {
          add_searches(&p, &n, pol, 0);
        }
    for (const auto& p : c.platforms) {
      const auto u = c.uncertainty.find(p.name);
      if (!search_timings || u == c.uncertainty.end()) continue;
      for (int t = 1; t <= int(u->second.timing.size()); ++t)
        for (const auto& n : c.networks)
          for (const std::string& pol : {std::string("ebatch"), c.baseline})
            if (pol == "ebatch" || c.baseline != "ebatch") add_searches(&p, &n, pol, t);
    }
    std::vector<CapacityTarget*> targets;
    for (auto& row : capacity) targets.push_back(&row.target);
    std::cerr << "reproduce: " << targets.size() << " capacity searches (" << rules.requests
              << " requests per probe, at most " << rules.max_probes << " probes)\n";
    failed += run_capacity_searches(targets, rules, exe, jobs, "reproduce capacity");
  }
  // Ratios to the baseline; energy at every corner of the uncertainty.
  for (auto& r : runs) {
    const Run* b = find_baseline(r.load, r.platform, r.network);
    if (!r.ok || !b->ok) continue;
    r.throughput_x = b->throughput > 0 ? r.throughput / b->throughput : 0;
    r.efficiency_x = r.energy_per_seq > 0 ? b->energy_per_seq / r.energy_per_seq : 0;
    r.p99_x = b->p99 > 0 ? r.p99 / b->p99 : 0;
  }
  auto uncertainty_of = [&](const PlatformEntry* p) -> const Uncertainty* {
    const auto u = c.uncertainty.find(p->name);
    return u == c.uncertainty.end() ? nullptr : &u->second;
  };
  // "" at the default timing, else the alternative's KEY=VALUE.
  auto timing_text = [&](const Run* r) -> std::string {
    if (!r->timing) return "";
    const Override& o = c.uncertainty.at(r->platform->name).timing[std::size_t(r->timing - 1)];
    return o.key + "=" + o.value;
  };
  try {
    for (auto& r : runs)
      if (r.ok && r.load == 0) r.corner_energy = corner_energies(r.dir, uncertainty_of(r.platform));
    for (auto& row : capacity)
      if (const Probe* at = row.target.at_capacity())
        row.corner_energy = corner_energies(at->dir, uncertainty_of(row.platform));
  } catch (const std::exception& e) {
    std::cerr << "reproduce: energy ranges not recomputed: " << e.what() << "\n";
  }
  // A configuration's capacity over its seeds: the median and the range; the energy per
  // sequence at capacity (and at each energy corner) is the median over the seeds with one.
  struct CapacityGroup {
    const Run* saturation = nullptr;
    std::vector<const CapacityRow*> rows;  // one per seed
    double capacity = 0, lo = 0, hi = 0, energy = 0;
    std::vector<double> corner_energy;
    bool unbounded = false;
  };
  std::vector<CapacityGroup> groups;
  for (const auto& row : capacity) {
    if (groups.empty() || groups.back().saturation != row.saturation) {
      groups.emplace_back();
      groups.back().saturation = row.saturation;
    }
    groups.back().rows.push_back(&row);
  }
  for (auto& g : groups) {
    std::vector<double> caps, energies;
    std::vector<std::vector<double>> corners;
    for (const CapacityRow* row : g.rows) {
      caps.push_back(row->target.search.capacity());
      g.unbounded = g.unbounded || row->target.search.unbounded();
      const Probe* at = row->target.at_capacity();
      if (!at) continue;
      energies.push_back(at->summary.energy_per_seq);
      corners.resize(std::max(corners.size(), row->corner_energy.size()));
      for (std::size_t k = 0; k < row->corner_energy.size(); ++k) corners[k].push_back(row->corner_energy[k]);
    }
    g.capacity = median(caps);
    g.lo = *std::min_element(caps.begin(), caps.end());
    g.hi = *std::max_element(caps.begin(), caps.end());
    g.energy = median(energies);
    for (const auto& v : corners) g.corner_energy.push_back(v.size() == energies.size() ? median(v) : 0);
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
    if (r.timing) continue;  // the timing alternatives: in "uncertainty" below
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
  // Capacity rows: one table line per configuration (the median over seeds and their range),
  // one CSV and JSON row per search.
  std::ostringstream capacity_csv;
  if (with_capacity) {
    table << "\nCapacity at the SLO ("
          << (c.capacity_all_variants && all_variants ? "every variant; the ratios take each policy's highest capacity"
                                                      : "each policy's strongest variant at saturation")
          << "; at least " << rules.requests << " Poisson requests and " << rules.span
          << " SLO bounds of arrivals per probe, first " << 100 * rules.warmup_fraction << "% discarded, bisection to "
          << 100 * rules.tolerance << "% or " << rules.max_probes << " probes"
          << (search_timings && c.timing_max_probes != rules.max_probes
                  ? " (" + std::to_string(c.timing_max_probes) + " under a timing alternative)"
                  : std::string())
          << "; "
          << (seeds > 1 ? std::to_string(seeds) + " seeds: the median and the range over them"
                        : std::string("one seed"))
          << (quick && c.seeds > 1 ? " (--quick: one seed)" : "") << ")\n";
    std::snprintf(line, sizeof line, "%-5s %-15s %-29s %-12s %12s %15s %12s %12s %12s %7s\n", "plat", "network",
                  "policy", "slo", "capacity/s", "seed range", "saturation/s", "statistic", "energy/seq", "probes");
    table << line;
    capacity_csv << "platform,network,policy,variant,slo_statistic,slo_s,capacity_per_s,saturation_throughput_per_s,"
                    "statistic_at_capacity_s,energy_per_sequence_at_capacity_j,probes,unbounded,complete,timing,seed,"
                    "capacity_median_per_s,capacity_min_per_s,capacity_max_per_s\n";
    j.value("capacity_seeds", seeds);
    j.begin_array("capacity");
    for (const auto& g : groups) {
      const CapacityRow& first = *g.rows.front();
      const std::string timing = timing_text(g.saturation);
      // The statistic shown is that of the seed whose capacity is nearest the median.
      const Probe* at = nullptr;
      double nearest = 0;
      bool failed_search = false;
      int probes = 0;
      for (const CapacityRow* row : g.rows) {
        const Probe* a = row->target.at_capacity();
        const double d = std::abs(row->target.search.capacity() - g.capacity);
        if (a && (!at || d < nearest)) at = a, nearest = d;
        failed_search = failed_search || row->target.failed;
        probes += row->target.search.probes();
      }
      char range[48] = "-";
      if (g.rows.size() > 1) std::snprintf(range, sizeof range, "%.4g-%.4g", g.lo, g.hi);
      std::snprintf(line, sizeof line, "%-5s %-15s %-29s %-12s %12.4g %15s %12.4g %12s %12s %7d%s%s\n",
                    first.platform->name.c_str(), first.network->name.c_str(), g.saturation->variant.label().c_str(),
                    first.target.slo.text().c_str(), g.capacity, range, first.target.upper,
                    at ? units::format_time(at->statistic).c_str() : "-",
                    g.energy > 0 ? units::format_energy(g.energy).c_str() : "-", probes,
                    failed_search ? "  FAILED"
                    : g.unbounded ? "  (no probe failed)"
                                  : "",
                    timing.empty() ? "" : ("  under " + timing).c_str());
      table << line;
      for (const CapacityRow* rp : g.rows) {
        const CapacityRow& row = *rp;
        const Probe* a = row.target.at_capacity();
        const CapacitySearch& s = row.target.search;
        std::snprintf(line, sizeof line, "%s,%s,%s,%s,%s,%.9g,%.9g,%.9g,%.9g,%.9g,%d,%s,%s,%s,%llu,%.9g,%.9g,%.9g\n",
                      row.platform->name.c_str(), row.network->name.c_str(), row.saturation->policy.c_str(),
                      row.saturation->variant.variant.c_str(), row.target.slo.statistic.c_str(), row.target.slo.seconds,
                      s.capacity(), row.target.upper, a ? a->statistic : 0.0, a ? a->summary.energy_per_seq : 0.0,
                      s.probes(), s.unbounded() ? "true" : "false", row.target.failed ? "false" : "true",
                      csv_quote(timing).c_str(), static_cast<unsigned long long>(row.seed), g.capacity, g.lo, g.hi);
        capacity_csv << line;
        j.begin_object()
            .value("platform", row.platform->name)
            .value("network", row.network->name)
            .value("policy", row.saturation->policy)
            .value("variant", row.saturation->variant.variant)
            .value("timing", timing)
            .value("seed", static_cast<long long>(row.seed))
            .value("slo", row.target.slo.text())
            .value("slo_statistic", row.target.slo.statistic)
            .value("slo_s", row.target.slo.seconds)
            .value("complete", !row.target.failed)
            .value("capacity_per_s", s.capacity())
            .value("capacity_median_per_s", g.capacity)
            .value("capacity_min_per_s", g.lo)
            .value("capacity_max_per_s", g.hi)
            .value("saturation_throughput_per_s", row.target.upper)
            .value("unbounded", s.unbounded())
            .value("statistic_at_capacity_s", a ? a->statistic : 0.0)
            .value("latency_p50_at_capacity_s", a ? a->p50 : 0.0)
            .value("latency_p99_at_capacity_s", a ? a->p99 : 0.0)
            .value("energy_per_sequence_at_capacity_j", a ? a->summary.energy_per_seq : 0.0)
            .value("probes", s.probes())
            .value("dir", fs::relative(row.target.dir, out).string())
            .end_object();
      }
    }
    j.end_array();
  }
  // A policy's capacity under a timing setting: of its searched variants, the one with the highest
  // capacity (ties: the lower energy at capacity; none passed: the variant strongest at saturation).
  auto capacity_of = [&](const PlatformEntry* p, const NetworkEntry* n, const std::string& pol,
                         int timing = 0) -> const CapacityGroup* {
    const Run* s = strongest(p, n, pol, timing);
    const CapacityGroup* best = nullptr;
    for (const auto& g : groups)
      if (g.saturation == s) best = &g;
    for (const auto& g : groups) {
      const Run* r = g.saturation;
      if (r->platform != p || r->network != n || r->policy != pol || r->timing != timing) continue;
      if (!best || g.capacity > best->capacity ||
          (g.capacity == best->capacity && g.capacity > 0 && g.energy < best->energy))
        best = &g;
    }
    return best;
  };
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
  // The headline: E-BATCH over the strongest baseline variant at saturation and at capacity,
  // each ratio at the defaults with its range over the uncertain settings.
  table << "\nHeadline: E-BATCH / the strongest " << c.baseline << " variant, value at the defaults [range over the "
        << "uncertainty settings]; geometric mean first, arithmetic beside\n";
  std::snprintf(line, sizeof line, "%-5s %-15s %-22s %-22s %-12s %-22s   %s\n", "plat", "network", "sat. throughput x",
                "sat. energy eff x", "capacity x", "energy eff x at cap.", "paper (thr x, eff x)");
  table << line;
  j.begin_array("headline");
  for (const auto& p : c.platforms) {
    const Uncertainty* u = uncertainty_of(&p);
    const int timings = u ? int(u->timing.size()) : 0;
    RangedMean thr_m, eff_m, cap_m, cap_eff_m;
    j.begin_object().value("platform", p.name);
    j.value("paper_throughput_ratio", p.claim_throughput).value("paper_energy_efficiency_ratio", p.claim_efficiency);
    j.begin_array("networks");
    for (const auto& n : c.networks) {
      const Run* e = find(0, &p, &n, "ebatch");
      const Run* b = strongest(&p, &n, c.baseline);
      if (!e || !b || !e->ok || !b->ok || e->energy_per_seq <= 0) continue;
      Ranged thr, eff, cap, cap_eff;
      thr.value = e->throughput / b->throughput;
      eff.value = b->energy_per_seq / e->energy_per_seq;
      thr.add(thr.value);
      eff.add(eff.value);
      thr_m.at_default.push_back(thr.value);
      eff_m.at_default.push_back(eff.value);
      // Energy corners at the default timing.
      for (std::size_t k = 0; k < e->corner_energy.size() && k < b->corner_energy.size(); ++k) {
        const double x = b->corner_energy[k] / e->corner_energy[k];
        eff.add(x);
        eff_m.per_setting[int(k) + 1].push_back(x);
      }
      // Timing alternatives: rerun at saturation; the strongest baseline variant again, every corner.
      for (int t = 1; t <= timings; ++t) {
        const Run* et = find(0, &p, &n, "ebatch", "", t);
        const Run* bt = strongest(&p, &n, c.baseline, t);
        if (!et || !bt || !et->ok || !bt->ok || et->energy_per_seq <= 0) continue;
        thr.add(et->throughput / bt->throughput);
        thr_m.per_setting[1000 * t].push_back(et->throughput / bt->throughput);
        eff.add(bt->energy_per_seq / et->energy_per_seq);
        eff_m.per_setting[1000 * t].push_back(bt->energy_per_seq / et->energy_per_seq);
        for (std::size_t k = 0; k < et->corner_energy.size() && k < bt->corner_energy.size(); ++k) {
          const double x = bt->corner_energy[k] / et->corner_energy[k];
          eff.add(x);
          eff_m.per_setting[1000 * t + int(k) + 1].push_back(x);
        }
      }
      // At capacity: the default timing, then each timing alternative (searched again, not with --quick).
      bool have_cap = false, open_bracket = false;
      const CapacityGroup* cap_baseline = nullptr;
      for (int t = 0; t <= (search_timings ? timings : 0); ++t) {
        const CapacityGroup* ge = capacity_of(&p, &n, "ebatch", t);
        const CapacityGroup* gb = capacity_of(&p, &n, c.baseline, t);
        if (!ge || !gb || !(ge->capacity > 0) || !(gb->capacity > 0) || !(ge->energy > 0)) {
          if (t == 0) break;
          continue;
        }
        open_bracket = open_bracket || ge->unbounded || gb->unbounded;
        const double x = ge->capacity / gb->capacity, y = gb->energy / ge->energy;
        if (t == 0) {
          have_cap = true;
          cap_baseline = gb;
          cap.value = x;
          cap_eff.value = y;
          cap_m.at_default.push_back(x);
          cap_eff_m.at_default.push_back(y);
        } else {
          cap_m.per_setting[1000 * t].push_back(x);
          cap_eff_m.per_setting[1000 * t].push_back(y);
        }
        cap.add(x);
        cap_eff.add(y);
        for (std::size_t k = 0; k < ge->corner_energy.size() && k < gb->corner_energy.size(); ++k) {
          if (!(ge->corner_energy[k] > 0)) continue;
          const double z = gb->corner_energy[k] / ge->corner_energy[k];
          cap_eff.add(z);
          cap_eff_m.per_setting[1000 * t + int(k) + 1].push_back(z);
        }
      }
      std::snprintf(line, sizeof line, "%-5s %-15s %-22s %-22s %-12s %-22s   vs %s\n", p.name.c_str(), n.name.c_str(),
                    thr.text().c_str(), eff.text().c_str(),
                    have_cap ? (cap.text() + (open_bracket ? "*" : "")).c_str() : "-",
                    have_cap ? cap_eff.text().c_str() : "-",
                    (b->variant.label() + (cap_baseline && cap_baseline->saturation != b
                                               ? " (at capacity: " + cap_baseline->saturation->variant.label() + ")"
                                               : ""))
                        .c_str());
      table << line;
      j.begin_object().value("network", n.name).value("baseline_variant", b->variant.variant);
      thr.json(j, "saturation_throughput_ratio");
      eff.json(j, "saturation_energy_efficiency_ratio");
      if (have_cap) {
        j.value("baseline_variant_at_capacity", cap_baseline->saturation->variant.variant);
        cap.json(j, "capacity_ratio");
        j.value("capacity_is_lower_bound", open_bracket);
        cap_eff.json(j, "energy_efficiency_at_capacity_ratio");
      }
      j.end_object();
    }
    j.end_array();
    const Ranged gt = thr_m.reduce(geomean), ge = eff_m.reduce(geomean), gc = cap_m.reduce(geomean),
                 gce = cap_eff_m.reduce(geomean);
    const Ranged at = thr_m.reduce(mean), ae = eff_m.reduce(mean), ac = cap_m.reduce(mean),
                 ace = cap_eff_m.reduce(mean);
    gt.json(j, "geomean_saturation_throughput_ratio");
    ge.json(j, "geomean_saturation_energy_efficiency_ratio");
    gc.json(j, "geomean_capacity_ratio");
    gce.json(j, "geomean_energy_efficiency_at_capacity_ratio");
    at.json(j, "mean_saturation_throughput_ratio");
    ae.json(j, "mean_saturation_energy_efficiency_ratio");
    ac.json(j, "mean_capacity_ratio");
    ace.json(j, "mean_energy_efficiency_at_capacity_ratio");
    j.end_object();
    char paper[64];
    std::snprintf(paper, sizeof paper, "%.1fx, %.1fx", p.claim_throughput, p.claim_efficiency);
    std::snprintf(line, sizeof line, "%-5s %-15s %-22s %-22s %-12s %-22s   %s\n", p.name.c_str(), "GEOMEAN",
                  gt.text().c_str(), ge.text().c_str(), gc.text().c_str(), gce.text().c_str(), paper);
    table << line;
    std::snprintf(line, sizeof line, "%-5s %-15s %-22s %-22s %-12s %-22s\n", p.name.c_str(), "mean", at.text().c_str(),
                  ae.text().c_str(), ac.text().c_str(), ace.text().c_str());
    table << line;
  }
  j.end_array();
  // What the ranges cover.
  j.begin_array("uncertainty");
  table << "\nRanges over:";
  for (const auto& p : c.platforms) {
    const Uncertainty* u = uncertainty_of(&p);
    j.begin_object().value("platform", p.name);
    j.begin_array("energy");
    std::string what;
    if (u)
      for (const auto& [target, factors] : u->energy) {
        j.begin_object().value("target", target).begin_array("factors");
        std::string fs_text;
        for (double f : factors) {
          j.value("", f);
          char b[32];
          std::snprintf(b, sizeof b, "%s%g", fs_text.empty() ? "" : "/", f);
          fs_text += b;
        }
        j.end_array().end_object();
        what += (what.empty() ? "" : ", ") + target + " x" + fs_text;
      }
    j.end_array().begin_array("timing");
    if (u)
      for (const auto& o : u->timing) {
        j.begin_object().value("key", o.key).value("value", o.value).end_object();
        what += (what.empty() ? "" : ", ") + o.key + "=" + o.value +
                (search_timings ? " (rerun at saturation and at capacity)" : " (rerun at saturation)");
      }
    j.end_array().end_object();
    table << "\n  " << p.name << ": " << (what.empty() ? "none" : what);
  }
  j.end_array();
  table << "\n  Energy factors are recomputed from each run's action counts (ebatch energy), every combination;"
           "\n  capacity x: the range over the timing alternatives, E-BATCH's and the baseline's strongest"
           "\n  variant's capacities searched again under each (a platform without timing alternatives: the"
           "\n  range is the value)"
        << (with_capacity && !search_timings ? "; --quick does not search them (the ranges are the values)" : "")
        << ";\n  energy eff x at cap.: timing x energy corners; * marks a ratio of which one capacity is a lower"
           "\n  bound (no probe failed within max_probes).\n";
  j.value("failed_runs", failed).end_object();
  table << "\nAt moderate load every stable policy carries the offered rate, so throughput x is about 1 there;\n"
           "the throughput claim is the saturation row. Offered rate = "
        << c.moderate_load << " x the " << c.baseline << " saturation throughput.\n";
  write_file_atomically(out + "/reproduce.csv", csv.str());
  write_file_atomically(out + "/reproduce.json", j.str());
  if (with_capacity) write_file_atomically(out + "/capacity.csv", capacity_csv.str());
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
  std::cout << "results in " << out << "/ (reproduce.csv, reproduce.json, " << (with_capacity ? "capacity.csv, " : "")
            << "summary.txt, runs/)\n";
  if (failed) {
    std::cerr << "reproduce: " << failed << " runs failed\n";
    return 1;
  }
  return 0;
}

}  // namespace ebatch::cli
