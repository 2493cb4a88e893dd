// `ebatch compare`: the same requests under several batching policies, one
// `ebatch run` process each (SystemC elaborates once per process), and one
// table of the results with ratios to a baseline policy.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "tb/simulation.h"
#include "tb/stats_schema.h"
#include "tools/cli.h"
#include "tools/jobs.h"
#include "tools/output_folder.h"
#include "tools/variants.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ebatch::cli {
namespace {

struct Row : stat::Summary {
  std::string policy;
  VariantRun run;
  bool strongest = false;  // --variants: the strongest run of its policy
};

// The running child, for the signal handler: Ctrl-C or SIGTERM of compare reaches its
// `ebatch run`, which stops and writes what it measured (exit 130/143), and compare
// then stops too. A compare killed outright takes its child along (PR_SET_PDEATHSIG).
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_stop = 0;

void forward_signal(int sig) {
  g_stop = sig;
  if (g_child > 0) ::kill(pid_t(g_child), sig);
}

// Runs the child with stdout to /dev/null and its stderr into `err`.
int run_child(const std::vector<std::string>& args, std::string& err) {
  std::cout.flush();
  std::cerr.flush();
  std::FILE* captured = std::tmpfile();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(128 + SIGTERM);  // compare ended before prctl took effect
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!freopen("/dev/null", "w", stdout)) _exit(127);
    if (captured) dup2(fileno(captured), STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (pid < 0) {
    if (captured) std::fclose(captured);
    return 126;
  }
  g_child = pid;
  if (g_stop) ::kill(pid, int(g_stop));  // a signal that came before g_child was set
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child = 0;
  err.clear();
  if (captured) {
    std::rewind(captured);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, captured)) > 0;) err.append(buf, n);
    std::fclose(captured);
  }
  return exit_code_of(status);
}

Row read_row(const VariantRun& run, const std::string& stats_path) {
  Row r;
  static_cast<stat::Summary&>(r) = stat::read_summary(stats_path);
  r.policy = run.label();
  r.run = run;
  return r;
}

// --variants: marks each policy's strongest run; returns them in policy order.
std::vector<const Row*> mark_strongest(std::vector<Row>& rows) {
  std::vector<const Row*> best;
  for (auto& r : rows) {
    auto it = std::find_if(best.begin(), best.end(), [&](const Row* b) { return b->run.policy == r.run.policy; });
    if (it == best.end())
      best.push_back(&r);
    else if (stronger(r.throughput, r.energy_per_seq, (*it)->throughput, (*it)->energy_per_seq))
      *it = &r;
  }
  for (const Row* b : best) const_cast<Row*>(b)->strongest = true;
  return best;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

}  // namespace

int command_compare(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("set", po::value<std::vector<std::string>>(), "")(
      "experiment", po::value<std::string>(), "")("out", po::value<std::string>(), "")(
      "policies", po::value<std::string>()->default_value(join_names(PolicyRegistry::instance().names(), ",")), "")(
      "baseline", po::value<std::string>()->default_value("cellular"), "")("slots", po::value<int>(), "")(
      "variants", po::value<std::string>()->default_value("none"), "");
  po::positional_options_description pos;
  pos.add("experiment", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& err) {
    throw InputError(std::string("ebatch compare: ") + err.what() + " (see ebatch compare --help)");
  }
  if (vm.count("help")) {
    std::cout
        << "usage: ebatch compare [EXPERIMENT.yaml] [--policies " << join_names(PolicyRegistry::instance().names(), ",")
        << "]\n"
           "                      [--baseline cellular] [--slots B] [--variants all] [--set key=value]... [--out DIR]\n"
           "Runs the experiment once per policy on the same requests (batching policies with B slots:\n"
           "--slots, else the experiment's policy.slots if above 1, else 8) and prints throughput,\n"
           "latency p50/p99, energy per sequence, padding and DRAM bytes per sequence, with ratios to\n"
           "the baseline (energy efficiency = baseline energy / energy). Writes DIR/compare.csv,\n"
           "DIR/compare.json and one run folder per policy.\n"
           "--variants all runs every variant of each policy that has them (cellular: each scheduler with\n"
           "in_flight slots and auto; padded: order arrival and length), one folder each (POLICY-VARIANT),\n"
           "names each policy's strongest variant (the highest throughput; ties: the lower energy per\n"
           "sequence) and takes the ratios to the baseline's strongest variant.\n";
    return 0;
  }
  const std::string experiment = vm.count("experiment") ? vm["experiment"].as<std::string>() : default_experiment();
  std::vector<Override> overrides;
  std::vector<std::string> set_args;
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) {
      overrides.push_back(parse_override(s));
      set_args.push_back(s);
    }
  const Experiment base = load_experiment(experiment, overrides);
  std::vector<std::string> policies;
  {
    std::stringstream ss(vm["policies"].as<std::string>());
    std::string p;
    while (std::getline(ss, p, ','))
      if (!p.empty()) policies.push_back(p);
  }
  for (const auto& p : policies)
    if (!PolicyRegistry::instance().find(p))
      throw InputError("ebatch compare: --policies: unknown policy '" + p + "' (" + policy_names() + ")");
  const bool all_variants = parse_variants_option(vm["variants"].as<std::string>(), "compare");
  const std::vector<VariantRun> runs = expand_variants(policies, all_variants);
  const std::string baseline = vm["baseline"].as<std::string>();
  if (std::find(policies.begin(), policies.end(), baseline) == policies.end())
    throw InputError("ebatch compare: --baseline '" + baseline + "' is not among --policies");
  const int slots = vm.count("slots") ? vm["slots"].as<int>() : (base.policy.slots > 1 ? base.policy.slots : 8);
  if (slots < 1) throw InputError("ebatch compare: --slots must be at least 1");
  // The default folder is named after the overrides too: compares of two networks do not share one.
  const std::string out =
      vm.count("out") ? vm["out"].as<std::string>() : base.output.dir + "_compare" + overrides_suffix(set_args);
  // Every policy runs the same experiment; only the policy section changes (the
  // experiment's own section for its own kind; otherwise B slots and the same host latency).
  const std::string base_kind = to_string(base.policy.kind);
  auto policy_section = [&](const std::string& p) {
    if (p == base_kind) {
      YAML::Node section = YAML::Clone(base.resolved["policy"]);
      if (vm.count("slots") && !policy_named(p)->single_slot) section["slots"] = slots;
      YAML::Emitter e;
      e << YAML::Flow << section;
      return std::string(e.c_str());
    }
    std::string section = "{kind: " + p + ", host_reaction_latency: '" +
                          base.resolved["policy"]["host_reaction_latency"].as<std::string>() + "'";
    if (!policy_named(p)->single_slot) section += ", slots: " + std::to_string(slots);
    return section + "}";
  };
  // A variant's section: the policy's, with the variant's keys.
  const YAML::Node ebatch_policy = base_kind == "ebatch" ? base.resolved["policy"] : YAML::Node();
  auto run_section = [&](const VariantRun& run) {
    if (run.variant.empty()) return policy_section(run.policy);
    return flow(with_variant(YAML::Load(policy_section(run.policy)), run, ebatch_policy));
  };
  for (const auto& run : runs) {
    const std::string p = run.label();
    std::vector<Override> o = overrides;
    o.push_back({"policy", run_section(run)});
    // Bad combinations, and what a run would refuse before simulating (DRAM too small for the
    // slots, unreadable weights or inputs), fail here, before anything is written.
    try {
      check_run_inputs(load_experiment(experiment, o));
    } catch (const InputError& err) {
      std::string why = err.what();
      if (why.rfind("error: ", 0) == 0) why = why.substr(7);
      throw InputError("ebatch compare: policy '" + p + "': " + why);
    }
  }
  const OutputFolder folder(out, "ebatch compare");  // one compare at a time in DIR
  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);
  std::vector<Row> rows;
  std::vector<std::string> made;  // the policy folders this compare created
  const std::string exe = self_path();
  for (const auto& run : runs) {
    const std::string p = run.label(), dir = out + "/" + run.folder();
    std::error_code ec;
    if (!fs::exists(dir, ec)) made.push_back(dir);
    std::vector<std::string> argv = {exe, "run", experiment, "--out", dir};
    for (const auto& s : set_args) argv.insert(argv.end(), {"--set", s});
    argv.insert(argv.end(), {"--set", "policy=" + run_section(run)});
    argv.insert(argv.end(), {"--set", "output.progress=off"});
    std::cerr << "compare: running " << p << "...\n";
    std::string child_err;
    const int rc = run_child(argv, child_err);
    if (rc != 2) std::cerr << child_err;
    if (g_stop) {
      std::cerr << "compare: interrupted by " << (g_stop == SIGTERM ? "SIGTERM" : "SIGINT") << " during policy '" << p
                << "'\n";
      return 128 + int(g_stop);
    }
    if (rc == 2) {
      // Bad input that only the run could find: its one message, naming the policy; the
      // policies run so far go too, so that bad input leaves nothing behind.
      for (const auto& dir : made) fs::remove_all(dir, ec);
      folder.discard({});
      std::string why = child_err.rfind("error: ", 0) == 0 ? child_err.substr(7) : child_err;
      while (!why.empty() && why.back() == '\n') why.pop_back();
      throw InputError("ebatch compare: policy '" + p + "': " + why);
    }
    if (rc != 0) {
      std::cerr << "error: ebatch run for policy '" << p << "' failed (exit " << rc << ")";
      if (fs::exists(dir, ec)) std::cerr << "; see " << dir;
      std::cerr << "\n";
      return 1;
    }
    rows.push_back(read_row(run, dir + "/stats.json"));
  }
  const std::vector<const Row*> best = all_variants ? mark_strongest(rows) : std::vector<const Row*>{};
  // The baseline: its strongest variant (with --variants), else its one run.
  const Row& b = *std::find_if(rows.begin(), rows.end(), [&](const Row& r) {
    return r.run.policy == baseline && (!all_variants || r.strongest);
  });
  int width = 9;  // the policy column: wider for variant labels
  for (const auto& r : rows) width = std::max(width, int(r.policy.size()));
  // Table.
  std::printf("%s: %s on %s, %lld requests, baseline %s\n", base.name.c_str(), base.network.name.c_str(),
              to_string(base.hardware.platform), b.completed, (all_variants ? b.policy : baseline).c_str());
  std::printf("%-*s %12s %10s %10s %12s %8s %12s | %8s %8s %8s\n", width, "policy", "seq/s", "p50", "p99", "energy/seq",
              "padding", "DRAM/seq", "thr x", "eff x", "p99 x");
  JsonWriter j;
  j.begin_object().value("experiment", base.name).value("baseline", baseline);
  if (all_variants) j.value("variants", "all").value("baseline_variant", b.run.variant);
  j.begin_array("policies");
  std::ostringstream csv;
  csv << (all_variants ? "policy,variant,strongest," : "policy,")
      << "throughput_per_s,latency_p50_s,latency_p99_s,energy_per_sequence_j,padding_fraction,"
         "dram_bytes_per_sequence,throughput_ratio,energy_efficiency_ratio,p99_latency_ratio,description\n";
  for (const auto& r : rows) {
    const double thr_x = ratio(r.throughput, b.throughput), eff_x = ratio(b.energy_per_seq, r.energy_per_seq),
                 p99_x = ratio(r.p99, b.p99);
    std::printf("%-*s %12.4g %10s %10s %12s %7.1f%% %12s | %8.3f %8.3f %8.3f\n", width, r.policy.c_str(), r.throughput,
                units::format_time(r.p50).c_str(), units::format_time(r.p99).c_str(),
                units::format_energy(r.energy_per_seq).c_str(), 100 * r.padding,
                units::format_size(r.dram_per_seq).c_str(), thr_x, eff_x, p99_x);
    char line[512];
    if (all_variants) csv << r.run.policy << "," << r.run.variant << "," << (r.strongest ? "true" : "false") << ",";
    std::snprintf(line, sizeof line, "%s%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.6g,%.6g,%.6g,",
                  all_variants ? "" : (r.policy + ",").c_str(), r.throughput, r.p50, r.p99, r.energy_per_seq, r.padding,
                  r.dram_per_seq, thr_x, eff_x, p99_x);
    csv << line << csv_quote(r.description) << "\n";
    j.begin_object().value("policy", all_variants ? r.run.policy : r.policy);
    if (all_variants) j.value("variant", r.run.variant).value("strongest", r.strongest);
    j.value("description", r.description)
        .value("throughput_per_s", r.throughput)
        .value("latency_p50_s", r.p50)
        .value("latency_p99_s", r.p99)
        .value("energy_per_sequence_j", r.energy_per_seq)
        .value("padding_fraction", r.padding)
        .value("dram_bytes_per_sequence", r.dram_per_seq)
        .value("throughput_ratio", thr_x)
        .value("energy_efficiency_ratio", eff_x)
        .value("p99_latency_ratio", p99_x)
        .end_object();
  }
  j.end_array();
  if (all_variants) {
    // Each policy's strongest variant, and E-BATCH's ratios against it.
    const auto eb = std::find_if(rows.begin(), rows.end(), [](const Row& r) { return r.run.policy == "ebatch"; });
    std::printf("strongest variant per policy (the highest throughput; ties: the lower energy per sequence)%s\n",
                eb != rows.end() ? ", and E-BATCH against it" : "");
    j.begin_array("strongest");
    for (const Row* s : best) {
      const double thr_x = eb != rows.end() ? ratio(eb->throughput, s->throughput) : 0,
                   eff_x = eb != rows.end() ? ratio(s->energy_per_seq, eb->energy_per_seq) : 0;
      std::printf("  %-9s %-*s %12.4g seq/s %12s/seq", s->run.policy.c_str(), width, s->policy.c_str(), s->throughput,
                  units::format_energy(s->energy_per_seq).c_str());
      if (eb != rows.end()) std::printf(" | ebatch thr x %.3f, eff x %.3f", thr_x, eff_x);
      std::printf("\n");
      j.begin_object().value("policy", s->run.policy).value("variant", s->run.variant);
      j.value("throughput_per_s", s->throughput).value("energy_per_sequence_j", s->energy_per_seq);
      if (eb != rows.end()) j.value("ebatch_throughput_ratio", thr_x).value("ebatch_energy_efficiency_ratio", eff_x);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
  write_file_atomically(out + "/compare.csv", csv.str());
  write_file_atomically(out + "/compare.json", j.str());
  for (const auto& r : rows)  // a description that only repeats the policy's name is left out
    if (!r.description.empty() && r.description != r.run.policy)
      std::printf("  %-*s %s\n", width, r.policy.c_str(), r.description.c_str());
  std::printf("results in %s/ (compare.csv, compare.json, one folder per %s)\n", out.c_str(),
              all_variants ? "variant" : "policy");
  return 0;
}

}  // namespace ebatch::cli
