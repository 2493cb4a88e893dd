// `ebatch capacity EXPERIMENT`: per policy, the highest Poisson arrival rate whose latency
// statistic stays within an SLO (tools/capacity.h: warm-up and length rule, bracketing from
// the saturation throughput and bisection), over K seeds, with the energy per sequence at
// that rate; optionally the latency-load curve around it (--curve).
//
// DIR (--out, default the experiment's output.dir + "_capacity"):
//   POLICY[-VARIANT]/seed-S/saturation/, probe-NN/   every run (with its .log)
//   POLICY[-VARIANT]/curve/{relative,absolute}-F/    the load-curve points (--curve)
//   capacity.csv, capacity.json                       one row per policy and seed, the summary
//   load_curve.csv                                    with --curve: one row per point
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "tb/simulation.h"
#include "tools/capacity.h"
#include "tools/cli.h"
#include "tools/jobs.h"
#include "tools/output_folder.h"
#include "tools/variants.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ebatch::cli {
namespace {

const char* kUsageText =
    "usage: ebatch capacity [EXPERIMENT.yaml] [--slo p99=2s] [--policies none,padded,cellular,ebatch]\n"
    "                       [--seeds K] [--variants none|all] [--requests N] [--warmup F] [--tolerance T]\n"
    "                       [--max-probes M] [--span S] [--max-requests R] [--curve F1,F2,...] [--slots B]\n"
    "                       [--jobs J] [--set key=value]...\n"
    "                       [--out DIR]\n"
    "For each policy: the highest Poisson arrival rate whose latency statistic (--slo STAT=TIME; STAT\n"
    "p50, p90, p95, p99, mean or max; default p99=2s) stays within the bound, and the energy per\n"
    "sequence at that rate. A probe at rate r runs max(N, S x bound x r) Poisson requests (--requests,\n"
    "default 400; --span, default 20; at most --max-requests, 20000): its arrivals last at least S SLO\n"
    "bounds, so an overload of more than 1/S builds a backlog that fails the SLO; the first F of them\n"
    "by arrival (--warmup, default 0.2) are discarded from the statistic. The search starts at the\n"
    "policy's saturation throughput (every request at time zero), doubles the rate while probes pass,\n"
    "then bisects until the bracket is within T of its top (--tolerance, default 0.05) or M probes\n"
    "(default 8). --seeds K repeats it with seeds seed..seed+K-1 (lengths and arrivals): the table\n"
    "gives the median and the range. --curve runs each policy at those fractions of its own capacity\n"
    "and at the same fractions of the highest policy's capacity (absolute rates, every policy).\n"
    "Writes DIR/capacity.csv, capacity.json (load_curve.csv with --curve) and every run's folder.\n"
    "--variants all: every variant of the baselines (compare --help), each its own row.\n";

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string x; std::getline(ss, x, ',');)
    if (!x.empty()) out.push_back(x);
  return out;
}

std::vector<double> parse_fractions(const std::string& text) {
  std::vector<double> out;
  for (const auto& x : split_list(text)) {
    char* end = nullptr;
    const double f = std::strtod(x.c_str(), &end);
    if (*end != '\0' || !(f > 0) || f > 100)
      throw InputError("ebatch capacity: --curve: '" + x +
                       "' is not a fraction of capacity above 0 (e.g. 0.5,0.9,1.1)");
    out.push_back(f);
  }
  if (out.empty()) throw InputError("ebatch capacity: --curve: give fractions, e.g. 0.5,0.8,0.9,1,1.1");
  return out;
}

struct PolicyRow {
  VariantRun run;
  std::vector<CapacityTarget> seeds;
  double capacity = 0, capacity_min = 0, capacity_max = 0, energy = 0, upper = 0;
};

}  // namespace

int command_capacity(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("set", po::value<std::vector<std::string>>(), "")(
      "experiment", po::value<std::string>(), "")("out", po::value<std::string>(), "")(
      "slo", po::value<std::string>()->default_value("p99=2s"), "")(
      "policies", po::value<std::string>()->default_value(join_names(PolicyRegistry::instance().names(), ",")), "")(
      "seeds", po::value<int>()->default_value(1), "")("variants", po::value<std::string>()->default_value("none"), "")(
      "requests", po::value<int>()->default_value(400), "")("warmup", po::value<double>()->default_value(0.2), "")(
      "tolerance", po::value<double>()->default_value(0.05), "")("max-probes", po::value<int>()->default_value(8), "")(
      "span", po::value<double>()->default_value(20), "")("max-requests", po::value<int>()->default_value(20000), "")(
      "curve", po::value<std::string>(), "")("slots", po::value<int>(), "")("jobs,j", po::value<int>(), "");
  const po::variables_map vm = parse_command_options("capacity", args, opts, "experiment");
  if (vm.count("help")) {
    std::cout << kUsageText;
    return 0;
  }
  const Slo slo = parse_slo(vm["slo"].as<std::string>(), "ebatch capacity: --slo");
  CapacityRules rules;
  rules.requests = vm["requests"].as<int>();
  rules.warmup_fraction = vm["warmup"].as<double>();
  rules.tolerance = vm["tolerance"].as<double>();
  rules.max_probes = vm["max-probes"].as<int>();
  rules.span = vm["span"].as<double>();
  rules.max_requests = vm["max-requests"].as<int>();
  const int seeds = vm["seeds"].as<int>();
  if (rules.requests < 10 || rules.requests > 10'000'000)
    throw InputError("ebatch capacity: --requests must be from 10 to 10000000 (a probe needs steady requests)");
  if (!(rules.warmup_fraction >= 0 && rules.warmup_fraction < 0.9))
    throw InputError("ebatch capacity: --warmup must be a fraction from 0 to below 0.9");
  if (!(rules.tolerance > 0 && rules.tolerance < 1)) throw InputError("ebatch capacity: --tolerance must be in (0, 1)");
  if (!(rules.span >= 0 && rules.span <= 1e4)) throw InputError("ebatch capacity: --span must be from 0 to 10000");
  if (rules.max_requests < rules.requests || rules.max_requests > 10'000'000)
    throw InputError("ebatch capacity: --max-requests must be from --requests to 10000000");
  if (rules.max_probes < 1 || rules.max_probes > 64)
    throw InputError("ebatch capacity: --max-probes must be from 1 to 64");
  if (seeds < 1 || seeds > 100) throw InputError("ebatch capacity: --seeds must be from 1 to 100");
  const std::vector<double> curve =
      vm.count("curve") ? parse_fractions(vm["curve"].as<std::string>()) : std::vector<double>{};
  const int jobs = vm.count("jobs") ? vm["jobs"].as<int>() : int(std::max(1u, std::thread::hardware_concurrency()));
  if (jobs < 1) throw InputError("ebatch capacity: --jobs must be at least 1");
  const std::string experiment = vm.count("experiment") ? vm["experiment"].as<std::string>() : default_experiment();
  std::vector<Override> overrides;
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) overrides.push_back(parse_override(s));
  const Experiment base = load_experiment(experiment, overrides);
  const std::vector<std::string> policies = split_list(vm["policies"].as<std::string>());
  if (policies.empty()) throw InputError("ebatch capacity: --policies is empty (" + policy_names() + ")");
  for (const auto& p : policies)
    if (!PolicyRegistry::instance().find(p))
      throw InputError("ebatch capacity: --policies: unknown policy '" + p + "' (" + policy_names() + ")");
  const bool all_variants = parse_variants_option(vm["variants"].as<std::string>(), "capacity");
  const int slots = vm.count("slots") ? vm["slots"].as<int>() : (base.policy.slots > 1 ? base.policy.slots : 8);
  if (slots < 1) throw InputError("ebatch capacity: --slots must be at least 1");
  const std::string out =
      fs::absolute(vm.count("out") ? vm["out"].as<std::string>() : base.output.dir + "_capacity").string();
  const std::string host = base.resolved["policy"]["host_reaction_latency"].as<std::string>();
  const std::string base_kind = to_string(base.policy.kind);
  // The policy section of each run: the experiment's own for its own kind, else B slots, the
  // same host latency and, for policies that tune a window, the tuner.
  auto policy_section = [&](const VariantRun& run) {
    YAML::Node section;
    if (run.policy == base_kind) {
      section = YAML::Clone(base.resolved["policy"]);
      if (vm.count("slots") && !policy_named(run.policy)->single_slot) section["slots"] = slots;
    } else {
      section["kind"] = run.policy;
      section["host_reaction_latency"] = host;
      if (!policy_named(run.policy)->single_slot) section["slots"] = slots;
      if (policy_named(run.policy)->tunes_window) section["window_steps"] = "auto";
    }
    return flow(with_variant(section, run, base_kind == "ebatch" ? base.resolved["policy"] : YAML::Node()));
  };
  std::vector<PolicyRow> rows;
  for (const auto& run : expand_variants(policies, all_variants)) {
    PolicyRow row;
    row.run = run;
    for (int k = 0; k < seeds; ++k) {
      CapacityTarget t;
      t.label = run.label();
      t.base = experiment;
      t.overrides = overrides;
      t.overrides.push_back({"policy", policy_section(run)});
      t.overrides.push_back({"seed", std::to_string(base.seed + std::uint64_t(k))});
      t.slo = slo;
      t.dir = out + "/" + run.folder() + "/seed-" + std::to_string(base.seed + std::uint64_t(k));
      std::vector<Override> check = t.overrides;
      check.push_back({"workload.requests", std::to_string(rules.requests)});
      check.push_back(arrivals_override(1.0));
      try {
        check_run_inputs(load_experiment(experiment, check));
      } catch (const InputError& err) {
        std::string why = err.what();
        if (why.rfind("error: ", 0) == 0) why = why.substr(7);
        throw InputError("ebatch capacity: policy '" + run.label() + "': " + why);
      }
      row.seeds.push_back(t);
    }
    rows.push_back(row);
  }
  const OutputFolder folder(out, "ebatch capacity");
  const std::string exe = self_path();
  std::vector<CapacityTarget*> targets;
  for (auto& row : rows)
    for (auto& t : row.seeds) targets.push_back(&t);
  std::cerr << "capacity: " << targets.size() << " searches (" << slo.text() << ", at least " << rules.requests
            << " requests and " << rules.span << " SLO bounds per probe, warm-up " << rules.warmup_fraction
            << ", tolerance " << rules.tolerance << "), " << jobs << " runs at a time\n";
  int failed = run_capacity_searches(targets, rules, exe, jobs, "capacity");
  // Per policy: the median over seeds and the range.
  for (auto& row : rows) {
    std::vector<double> caps, energies, uppers;
    for (const auto& t : row.seeds) {
      if (t.failed) continue;
      caps.push_back(t.search.capacity());
      uppers.push_back(t.upper);
      if (const Probe* p = t.at_capacity()) energies.push_back(p->summary.energy_per_seq);
    }
    if (caps.empty()) continue;
    row.capacity = median(caps);
    row.capacity_min = *std::min_element(caps.begin(), caps.end());
    row.capacity_max = *std::max_element(caps.begin(), caps.end());
    row.energy = median(energies);
    row.upper = median(uppers);
  }
  // The latency-load curve: each policy at fractions of its own capacity and of the highest one.
  struct CurvePoint {
    const PolicyRow* row;
    std::string axis;
    double fraction;
    Probe probe;
  };
  std::vector<CurvePoint> points;
  double reference = 0;
  for (const auto& row : rows) reference = std::max(reference, row.capacity);
  if (!curve.empty()) {
    for (const auto& row : rows) {
      if (row.seeds.front().failed) continue;
      for (const char* axis : {"relative", "absolute"}) {
        const double unit = std::string(axis) == "relative" ? row.capacity : reference;
        if (unit <= 0) continue;
        for (double f : curve) {
          CurvePoint c{&row, axis, f, {}};
          c.probe.base = experiment;
          c.probe.overrides = row.seeds.front().overrides;
          c.probe.slo = slo;
          c.probe.rate = f * unit;
          c.probe.requests = rules.requests_at(c.probe.rate, slo.seconds);
          char name[64];
          std::snprintf(name, sizeof name, "/curve/%s-%g", axis, f);
          c.probe.dir = out + "/" + row.run.folder() + name;
          points.push_back(c);
        }
      }
    }
    std::vector<Probe*> batch;
    for (auto& c : points) batch.push_back(&c.probe);
    failed += run_probes(batch, rules, exe, jobs, "capacity curve");
  }
  // Table, CSV and JSON.
  int width = 9;
  for (const auto& row : rows) width = std::max(width, int(row.run.label().size()));
  std::ostringstream table, csv;
  char line[512];
  table << base.name << ": capacity at " << slo.text() << " (at least " << rules.requests << " Poisson requests and "
        << rules.span << " SLO bounds of arrivals per probe, first " << 100 * rules.warmup_fraction
        << "% discarded; bisection to " << 100 * rules.tolerance << "%), " << seeds << " seed" << (seeds > 1 ? "s" : "")
        << "\n";
  std::snprintf(line, sizeof line, "%-*s %12s %23s %12s %12s %14s %7s\n", width, "policy", "capacity/s",
                "range over seeds", "saturation/s", slo.statistic.c_str(), "energy/seq", "probes");
  table << line;
  csv << "policy,variant,seed,capacity_per_s,saturation_throughput_per_s,slo_statistic,slo_s,statistic_at_capacity_s,"
         "p50_at_capacity_s,p99_at_capacity_s,energy_per_sequence_at_capacity_j,probes,unbounded,complete\n";
  JsonWriter j;
  j.begin_object().value("experiment", base.name).value("slo_statistic", slo.statistic).value("slo_s", slo.seconds);
  j.value("requests_per_probe", rules.requests).value("warmup_fraction", rules.warmup_fraction);
  j.value("tolerance", rules.tolerance).value("max_probes", rules.max_probes).value("seeds", seeds);
  j.begin_array("policies");
  for (const auto& row : rows) {
    const CapacityTarget& first = row.seeds.front();
    const Probe* at = first.at_capacity();
    char range[64];
    std::snprintf(range, sizeof range, "%.4g-%.4g", row.capacity_min, row.capacity_max);
    std::snprintf(line, sizeof line, "%-*s %12.4g %23s %12.4g %12s %14s %7d\n", width, row.run.label().c_str(),
                  row.capacity, seeds > 1 ? range : "-", row.upper,
                  at ? units::format_time(at->statistic).c_str() : "-",
                  row.energy > 0 ? units::format_energy(row.energy).c_str() : "-", first.search.probes());
    table << line;
    j.begin_object().value("policy", row.run.policy).value("variant", row.run.variant);
    j.value("capacity_per_s", row.capacity).value("capacity_min_per_s", row.capacity_min);
    j.value("capacity_max_per_s", row.capacity_max).value("energy_per_sequence_at_capacity_j", row.energy);
    j.value("saturation_throughput_per_s", row.upper);
    j.begin_array("seeds");
    for (const auto& t : row.seeds) {
      const Probe* p = t.at_capacity();
      const std::string seed = t.dir.substr(t.dir.rfind("seed-") + 5);
      std::snprintf(line, sizeof line, "%s,%s,%s,%.9g,%.9g,%s,%.9g,%.9g,%.9g,%.9g,%.9g,%d,%s,%s\n",
                    row.run.policy.c_str(), row.run.variant.c_str(), seed.c_str(), t.search.capacity(), t.upper,
                    slo.statistic.c_str(), slo.seconds, p ? p->statistic : 0.0, p ? p->p50 : 0.0, p ? p->p99 : 0.0,
                    p ? p->summary.energy_per_seq : 0.0, t.search.probes(), t.search.unbounded() ? "true" : "false",
                    t.failed ? "false" : "true");
      csv << line;
      j.begin_object().value("seed", std::stoll(seed)).value("complete", !t.failed);
      j.value("capacity_per_s", t.search.capacity()).value("saturation_throughput_per_s", t.upper);
      j.value("unbounded", t.search.unbounded());
      j.value("statistic_at_capacity_s", p ? p->statistic : 0.0);
      j.value("energy_per_sequence_at_capacity_j", p ? p->summary.energy_per_seq : 0.0);
      j.begin_array("probes");
      for (const auto& q : t.probes)
        j.begin_object()
            .value("rate_per_s", q.rate)
            .value("statistic_s", q.statistic)
            .value("within", q.within)
            .value("dir", fs::relative(q.dir, out).string())
            .end_object();
      j.end_array().end_object();
    }
    j.end_array().end_object();
  }
  j.end_array();
  std::ostringstream curve_csv;
  if (!curve.empty()) {
    curve_csv << "policy,axis,fraction,offered_rate_per_s,throughput_per_s,latency_p50_s,latency_p99_s,"
                 "slo_statistic,statistic_s,slo_s,energy_per_sequence_j,complete\n";
    j.begin_array("load_curve");
    for (const auto& c : points) {
      std::snprintf(line, sizeof line, "%s,%s,%.6g,%.9g,%.9g,%.9g,%.9g,%s,%.9g,%.9g,%.9g,%s\n",
                    c.row->run.label().c_str(), c.axis.c_str(), c.fraction, c.probe.rate, c.probe.summary.throughput,
                    c.probe.p50, c.probe.p99, slo.statistic.c_str(), c.probe.statistic, slo.seconds,
                    c.probe.summary.energy_per_seq, c.probe.ok ? "true" : "false");
      curve_csv << line;
      j.begin_object().value("policy", c.row->run.label()).value("axis", c.axis).value("fraction", c.fraction);
      j.value("offered_rate_per_s", c.probe.rate).value("latency_p50_s", c.probe.p50);
      j.value("latency_p99_s", c.probe.p99).value("complete", c.probe.ok).end_object();
    }
    j.end_array();
  }
  j.value("failed_runs", failed).end_object();
  write_file_atomically(out + "/capacity.csv", csv.str());
  write_file_atomically(out + "/capacity.json", j.str());
  if (!curve.empty()) write_file_atomically(out + "/load_curve.csv", curve_csv.str());
  std::cout << table.str();
  std::cout << "results in " << out << "/ (capacity.csv, capacity.json" << (curve.empty() ? "" : ", load_curve.csv")
            << ", one folder per policy and seed)\n";
  if (failed) {
    std::cerr << "capacity: " << failed << " runs failed\n";
    return 1;
  }
  return 0;
}

}  // namespace ebatch::cli
