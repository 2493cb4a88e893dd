// `ebatch reproduce` end to end through the real binary: --quick as a smoke test of
// the structure (every network x platform x policy x load present, ratios to the
// baseline consistent with the rows; no figure thresholds), and bad configs.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace ebatch::test;  // NOLINT(google-build-using-namespace): test helpers only

namespace {

// A reproduce config with the repository's files, two networks and a fixed window.
std::string small_config(const std::string& extra = "") {
  const std::string c = repo_path("configs");
  return "base: " + c + "/experiments/default.yaml\nrequests: 6\nquick_requests: 4\n" +
         "policies: [none, cellular, ebatch]\nbaseline: cellular\nmoderate_load: 0.5\n" +
         "platforms:\n  epur: {hardware: " + c + "/hw/epur.yaml, energy: " + c +
         "/energy/epur_28nm.yaml, slots: 4, claims: {throughput: 1.8, energy_efficiency: 3.6}}\n" +
         "  tpu: {hardware: " + c + "/hw/tpu_v1.yaml, energy: " + c +
         "/energy/tpu_28nm.yaml, slots: 4, claims: {throughput: 2.1, energy_efficiency: 1.6}}\n" + "networks:\n" +
         "  eesen: {network: " + repo_path("models/eesen.yaml") +
         ", lengths: " + repo_path("models/datasets/librispeech_test_clean.yaml") + "}\n" +
         "  imdb_sentiment: {network: " + repo_path("models/imdb_sentiment.yaml") +
         ", lengths: " + repo_path("models/datasets/imdb.yaml") + "}\n" + extra;
}

// A full (not --quick) reproduce of small_config(extra) into DIR/NAME; its reproduce.json, its
// stdout in *out. `variants`: reproduce --variants.
YAML::Node reproduce_small(const std::string& dir, const std::string& name, const std::string& extra,
                           const std::string& variants, std::string* out) {
  write_file(dir + "/" + name + ".yaml", small_config(extra));
  const auto r = run_cli({"reproduce", "--config", dir + "/" + name + ".yaml", "--no-plots", "--variants", variants,
                          "--jobs", "2", "--out", dir + "/" + name},
                         dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  *out = r.out;
  return r.exit_code == 0 ? YAML::LoadFile(dir + "/" + name + "/reproduce.json") : YAML::Node();
}

}  // namespace

TEST(CliReproduce, UsageIsRegistered) {
  auto r = run_cli({"--help"});
  EXPECT_CONTAINS(r.out, "reproduce [--quick]");
  r = run_cli({"reproduce", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.out, "configs/reproduce.yaml");
  r = run_cli({"reproduce", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "see ebatch reproduce --help");
}

// The shipped configs/reproduce.yaml, --quick: every combination, in the CSV, the JSON and the table.
TEST(CliReproduce, QuickRunsEveryNetworkPlatformPolicyAndLoad) {
  const std::string out = scratch_dir("reproduce_quick") + "/out";
  const auto r =
      run_cli({"reproduce", "--quick", "--no-plots", "--variants", "none", "--jobs", "2", "--out", out}, repo_path(""));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const YAML::Node cfg = YAML::LoadFile(repo_path("configs/reproduce.yaml"));
  const std::size_t nets = cfg["networks"].size(), plats = cfg["platforms"].size(), pols = cfg["policies"].size();
  const YAML::Node j = YAML::LoadFile(out + "/reproduce.json");
  EXPECT_TRUE(j["quick"].as<bool>());
  EXPECT_EQ(j["requests_per_run"].as<int>(), cfg["quick_requests"].as<int>());
  ASSERT_EQ(j["runs"].size(), 2 * nets * plats * pols);
  std::set<std::string> seen;
  for (const auto& run : j["runs"]) {
    EXPECT_TRUE(run["complete"].as<bool>()) << run["dir"].as<std::string>();
    seen.insert(run["load"].as<std::string>() + "/" + run["platform"].as<std::string>() + "/" +
                run["network"].as<std::string>() + "/" + run["policy"].as<std::string>());
    EXPECT_TRUE(fs::exists(out + "/" + run["dir"].as<std::string>() + "/stats.json"));
    // The baseline is its own unit.
    if (run["policy"].as<std::string>() == "cellular") {
      EXPECT_DOUBLE_EQ(run["throughput_ratio"].as<double>(), 1.0);
      EXPECT_DOUBLE_EQ(run["energy_efficiency_ratio"].as<double>(), 1.0);
    }
    if (run["load"].as<std::string>() == "moderate") {
      EXPECT_GT(run["offered_rate_per_s"].as<double>(), 0);
    }
  }
  EXPECT_EQ(seen.size(), 2 * nets * plats * pols);
  // One summary per platform and load, with the paper's claims beside ours.
  ASSERT_EQ(j["summary"].size(), 2 * plats);
  for (const auto& s : j["summary"]) {
    EXPECT_EQ(s["networks"].size(), nets);
    EXPECT_GT(s["paper_throughput_ratio"].as<double>(), 0);
    EXPECT_GT(s["mean_energy_efficiency_ratio"].as<double>(), 0);
  }
  const std::string csv = read_file(out + "/reproduce.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), long(1 + 2 * nets * plats * pols));
  EXPECT_CONTAINS(r.out, "E-BATCH vs cellular");
  EXPECT_CONTAINS(r.out, "1.8x, 3.6x");
  EXPECT_EQ(read_file(out + "/summary.txt"), r.out.substr(0, read_file(out + "/summary.txt").size()));
}

// The moderate load offers a fraction of the baseline's saturation throughput.
TEST(CliReproduce, ModerateLoadIsAFractionOfTheBaselineCapacity) {
  const std::string dir = scratch_dir("reproduce_small");
  write_file(dir + "/r.yaml", small_config());
  const auto r =
      run_cli({"reproduce", "--config", dir + "/r.yaml", "--no-plots", "--variants", "none", "--out", dir + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const YAML::Node j = YAML::LoadFile(dir + "/out/reproduce.json");
  ASSERT_EQ(j["runs"].size(), 2u * 2 * 2 * 3);
  for (const auto& m : j["runs"]) {
    if (m["load"].as<std::string>() != "moderate") continue;
    for (const auto& s : j["runs"]) {
      if (s["load"].as<std::string>() == "saturation" && s["policy"].as<std::string>() == "cellular" &&
          s["platform"].as<std::string>() == m["platform"].as<std::string>() &&
          s["network"].as<std::string>() == m["network"].as<std::string>()) {
        EXPECT_NEAR(m["offered_rate_per_s"].as<double>(), 0.5 * s["throughput_per_s"].as<double>(),
                    1e-6 * s["throughput_per_s"].as<double>());
      }
    }
  }
  // Each run folder holds the run's own resolved config: the platform's slots and the network.
  const YAML::Node resolved = YAML::LoadFile(dir + "/out/runs/moderate/tpu/imdb_sentiment/ebatch/resolved.yaml");
  EXPECT_EQ(resolved["policy"]["slots"].as<int>(), 4);
  EXPECT_EQ(resolved["network"]["name"].as<std::string>(), "imdb_sentiment");
  EXPECT_EQ(resolved["workload"]["arrivals"]["process"].as<std::string>(), "poisson");
  EXPECT_EQ(resolved["workload"]["requests"].as<int>(), 6);
}

TEST(CliReproduce, BadConfigsExitTwoAndWriteNothing) {
  const std::string dir = scratch_dir("reproduce_bad");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {small_config("bogus: 1\n"), "key 'bogus'"},
      {small_config() + "  x: {network: /nonexistent.yaml, lengths: /nonexistent.yaml}\n", "not found"},
      {std::string(small_config()).replace(small_config().find("baseline: cellular"), 18, "baseline: padded"),
       "key 'baseline': 'padded' is not among the policies"},
      {std::string(small_config()).replace(small_config().find("[none, cellular, ebatch]"), 24, "[none, celular]"),
       "key 'policies': unknown policy 'celular'"},
      {std::string(small_config()).replace(small_config().find("slots: 4"), 8, "slots: 0"),
       "key 'platforms.epur.slots'"},
      {"base: [\n", "r.yaml"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    write_file(dir + "/r.yaml", cases[i].first);
    const std::string out = dir + "/out" + std::to_string(i);
    const auto r =
        run_cli({"reproduce", "--config", dir + "/r.yaml", "--no-plots", "--variants", "none", "--out", out});
    EXPECT_EQ(r.exit_code, 2) << cases[i].second << "\n" << r.err;
    EXPECT_CONTAINS(r.err, cases[i].second);
    EXPECT_CONTAINS(r.err, "r.yaml");
    EXPECT_FALSE(fs::exists(out)) << cases[i].second;
  }
  const auto r = run_cli({"reproduce", "--config", dir + "/missing.yaml", "--out", dir + "/o"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "missing.yaml");
}

// --variants all: every cellular variant runs; the ratios (and the moderate load's offered
// rate) are to the cellular variant strongest at saturation on each network and platform.
TEST(CliReproduce, VariantsAllTakesTheStrongestBaselineVariant) {
  const std::string dir = scratch_dir("reproduce_variants");
  write_file(dir + "/r.yaml", small_config());
  const auto r = run_cli({"reproduce", "--config", dir + "/r.yaml", "--quick", "--no-plots", "--jobs", "2",
                          "--variants", "all", "--out", dir + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const YAML::Node j = YAML::LoadFile(dir + "/out/reproduce.json");
  ASSERT_EQ(j["runs"].size(), 2u * 2 * 2 * (1 + 6 + 1));  // loads x platforms x networks x (none, 6 cellular, ebatch)
  const auto key = [](const YAML::Node& run) {
    return run["platform"].as<std::string>() + "/" + run["network"].as<std::string>();
  };
  std::map<std::string, std::string> strongest;  // platform/network -> variant
  std::map<std::string, double> best_thr, sat_thr;
  for (const auto& run : j["runs"]) {
    if (run["load"].as<std::string>() != "saturation" || run["policy"].as<std::string>() != "cellular") continue;
    EXPECT_FALSE(run["variant"].as<std::string>().empty());
    best_thr[key(run)] = std::max(best_thr[key(run)], run["throughput_per_s"].as<double>());
    if (run["throughput_ratio"].as<double>() == 1.0 && run["energy_efficiency_ratio"].as<double>() == 1.0 &&
        !strongest.count(key(run))) {
      strongest[key(run)] = run["variant"].as<std::string>();
      sat_thr[key(run)] = run["throughput_per_s"].as<double>();
    }
  }
  ASSERT_EQ(strongest.size(), 4u);
  for (const auto& [k, thr] : sat_thr) EXPECT_EQ(thr, best_thr[k]) << k;
  for (const auto& run : j["runs"]) {
    if (run["load"].as<std::string>() != "moderate") continue;
    EXPECT_NEAR(run["offered_rate_per_s"].as<double>(), 0.5 * sat_thr[key(run)], 1e-6 * sat_thr[key(run)]);
    if (run["policy"].as<std::string>() == "cellular" && run["variant"].as<std::string>() == strongest[key(run)]) {
      EXPECT_DOUBLE_EQ(run["throughput_ratio"].as<double>(), 1.0);
    }
  }
  for (const auto& s : j["summary"])
    for (const auto& n : s["networks"])
      EXPECT_EQ(n["baseline_variant"].as<std::string>(),
                strongest[s["platform"].as<std::string>() + "/" + n["network"].as<std::string>()]);
  EXPECT_TRUE(fs::exists(dir + "/out/runs/saturation/epur/eesen/cellular-sticky-auto/stats.json"));
  const auto bad = run_cli({"reproduce", "--config", dir + "/r.yaml", "--variants", "most", "--out", dir + "/bad"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_CONTAINS(bad.err, "--variants");
  EXPECT_FALSE(fs::exists(dir + "/bad"));
}

// Issue 15: capacity at an SLO per network and platform, the ratios' ranges over the
// uncertain parameters, and a folder per invocation.
TEST(CliReproduce, CapacityRangesAndAFolderPerInvocation) {
  const std::string dir = scratch_dir("reproduce_v2");
  write_file(dir + "/r.yaml",
             small_config("capacity: {requests: 20, quick_requests: 20, max_probes: 3, quick_max_probes: 3}\n"
                          "slo:\n  eesen: {epur: p99=10s, tpu: p99=2s}\n  imdb_sentiment: p99=0.1s\n"
                          "uncertainty:\n  epur:\n    energy: {weight_buffer: [0.25, 1], leakage: [0, 2]}\n"
                          "    timing: {hardware.weight_streaming: [serial]}\n"
                          "  tpu:\n    energy: {dram: [0.5, 1]}\n"));
  const auto r = run_cli(
      {"reproduce", "--config", dir + "/r.yaml", "--quick", "--no-plots", "--variants", "none", "--jobs", "2"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string out = dir + "/results/reproduce/001_quick";
  ASSERT_TRUE(fs::exists(out + "/reproduce.json")) << r.err;
  EXPECT_EQ(fs::read_symlink(dir + "/results/reproduce/latest_quick").string(), "001_quick");
  const YAML::Node j = YAML::LoadFile(out + "/reproduce.json");
  // One search per platform x network x policy, each at most 3 probes, the first at saturation.
  ASSERT_EQ(j["capacity"].size(), 2u * 2 * 3);
  for (const auto& c : j["capacity"]) {
    EXPECT_TRUE(c["complete"].as<bool>());
    EXPECT_LE(c["probes"].as<int>(), 3);
    EXPECT_GE(c["capacity_per_s"].as<double>(), 0);
    if (c["platform"].as<std::string>() == "epur" && c["network"].as<std::string>() == "eesen") {
      EXPECT_EQ(c["slo"].as<std::string>(), "p99=10 s");
    }
  }
  const std::string capacity_csv = read_file(out + "/capacity.csv");
  EXPECT_EQ(std::count(capacity_csv.begin(), capacity_csv.end(), '\n'), 1 + 2 * 2 * 3);
  // Ranges: every ratio lies within its range; E-PUR's energy range covers 2 x 2 corners x
  // 2 timings, so it is no narrower than the value alone; the TPU has no timing alternative.
  ASSERT_EQ(j["headline"].size(), 2u);
  for (const auto& h : j["headline"]) {
    for (const auto& n : h["networks"])
      for (const char* k : {"saturation_throughput_ratio", "saturation_energy_efficiency_ratio"}) {
        const double v = n[k].as<double>();
        EXPECT_LE(n[std::string(k) + "_min"].as<double>(), v * (1 + 1e-9)) << k;
        EXPECT_GE(n[std::string(k) + "_max"].as<double>(), v * (1 - 1e-9)) << k;
      }
    const double g = h["geomean_saturation_energy_efficiency_ratio"].as<double>();
    EXPECT_LE(h["geomean_saturation_energy_efficiency_ratio_min"].as<double>(), g * (1 + 1e-9));
    if (h["platform"].as<std::string>() == "tpu") {
      EXPECT_DOUBLE_EQ(h["geomean_saturation_throughput_ratio_min"].as<double>(),
                       h["geomean_saturation_throughput_ratio"].as<double>());
    }
  }
  EXPECT_TRUE(fs::exists(out + "/runs/saturation-1/epur/eesen/ebatch/stats.json"));
  EXPECT_FALSE(fs::exists(out + "/runs/saturation-1/tpu"));
  EXPECT_CONTAINS(r.out, "Headline");
  EXPECT_CONTAINS(r.out, "GEOMEAN");
  // The figure's data, without matplotlib.
  const std::string cmd = "python3 " + repo_path("tools/plot.py") + " reproduce " + out + " --dry-run > " + dir +
                          "/fig.json 2> " + dir + "/fig.err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(dir + "/fig.err");
  const YAML::Node fig = YAML::LoadFile(dir + "/fig.json");
  ASSERT_EQ(fig["platforms"].size(), 2u);
  EXPECT_EQ(fig["platforms"][0]["groups"].size(), 3u);  // two networks and the geometric mean
  EXPECT_GE(fig["platforms"][0]["series"].size(), 2u);
  // A second invocation gets its own folder; a full one would be 001 (not shown: too slow here).
  const auto again = run_cli({"reproduce", "--config", dir + "/r.yaml", "--quick", "--no-plots", "--variants", "none",
                              "--no-capacity", "--jobs", "2"},
                             dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(fs::exists(dir + "/results/reproduce/002_quick/reproduce.json"));
  EXPECT_TRUE(fs::exists(out + "/capacity.csv"));  // the first one's results stay
  EXPECT_EQ(fs::read_symlink(dir + "/results/reproduce/latest_quick").string(), "002_quick");
  // Bad sections: one message naming the key, nothing written.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"capacity: {requests: 20}\nslo: {eesen: p99=1s}\n", "key 'slo.imdb_sentiment'"},
      {"capacity: {requests: 20}\nslo: {eesen: p97=1s, imdb_sentiment: p99=1s}\n", "unknown latency statistic"},
      {"capacity: {requests: 20}\nslo: {eesen: {epur: p99=1s}, imdb_sentiment: p99=1s}\n", "key 'slo.eesen.tpu'"},
      {"uncertainty: {epur: {energy: {weight_bufer: [1]}}}\n", "no component 'weight_bufer'"},
      {"uncertainty: {gpu: {energy: {dram: [1]}}}\n", "not a platform"},
      {"uncertainty: {epur: {energy: {dram: [-1]}}}\n", "is not a factor"},
      {"capacity: {requests: 20, seeds: 0}\nslo: {eesen: p99=1s, imdb_sentiment: p99=1s}\n", "key 'capacity.seeds'"},
      {"capacity: {requests: 20, variants: best}\nslo: {eesen: p99=1s, imdb_sentiment: p99=1s}\n",
       "key 'capacity.variants'"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    write_file(dir + "/bad.yaml", small_config(bad[i].first));
    const auto b = run_cli({"reproduce", "--config", dir + "/bad.yaml", "--quick", "--no-plots", "--out",
                            dir + "/bad" + std::to_string(i)});
    EXPECT_EQ(b.exit_code, 2) << bad[i].second << "\n" << b.err;
    EXPECT_CONTAINS(b.err, bad[i].second);
    EXPECT_CONTAINS(b.err, "bad.yaml");
    EXPECT_FALSE(fs::exists(dir + "/bad" + std::to_string(i)));
  }
}

// Issue 15: the capacity ratio's range over the timing alternatives. With an SLO no run misses,
// every probe passes: at the default timing two probes (saturation throughput S, then 2 S), under
// the alternative one (capacity.timing_max_probes: 1; capacity S), so the capacity ratio under
// each timing is the saturation throughput ratio under it:
// the two ranges must be equal, and E-PUR's (weight_streaming serial against overlapped) is not a
// point. The TPU has no timing alternative: its capacity range is the value.
TEST(CliReproduce, CapacityRatioRangeOverTimingAlternatives) {
  const std::string dir = scratch_dir("reproduce_capacity_timing"), out = dir + "/out";
  std::string text;
  const YAML::Node j =
      reproduce_small(dir, "out",
                      "capacity: {requests: 10, span: 0, max_requests: 10, max_probes: 2, timing_max_probes: 1}\n"
                      "slo: {eesen: p99=1000s, imdb_sentiment: p99=1000s}\n"
                      "uncertainty:\n  epur:\n    timing: {hardware.weight_streaming: [serial]}\n",
                      "none", &text);
  ASSERT_TRUE(j.IsMap());
  // 2 platforms x 2 networks x 3 policies at the defaults, then E-BATCH and cellular again under
  // E-PUR's serial streaming.
  ASSERT_EQ(j["capacity"].size(), 2u * 2 * 3 + 2 * 2);
  int serial = 0;
  for (const auto& c : j["capacity"]) {
    EXPECT_TRUE(c["complete"].as<bool>());
    const bool alternative = !c["timing"].as<std::string>().empty();
    EXPECT_EQ(c["probes"].as<int>(), alternative ? 1 : 2);
    const double expected = (alternative ? 1 : 2) * c["saturation_throughput_per_s"].as<double>();
    EXPECT_NEAR(c["capacity_per_s"].as<double>(), expected, 1e-9 * expected);
    if (!alternative) continue;
    ++serial;
    EXPECT_EQ(c["timing"].as<std::string>(), "hardware.weight_streaming=serial");
    EXPECT_EQ(c["platform"].as<std::string>(), "epur");
    EXPECT_NE(c["policy"].as<std::string>(), "none");
    EXPECT_TRUE(fs::exists(out + "/" + c["dir"].as<std::string>() + "/probe-01/stats.json"));
  }
  EXPECT_EQ(serial, 4);
  for (const auto& h : j["headline"]) {
    const bool epur = h["platform"].as<std::string>() == "epur";
    for (const auto& n : h["networks"]) {
      for (const char* m : {"", "_min", "_max"})
        EXPECT_NEAR(n[std::string("capacity_ratio") + m].as<double>(),
                    n[std::string("saturation_throughput_ratio") + m].as<double>(), 1e-6)
            << m;
      if (!epur) {
        EXPECT_EQ(n["capacity_ratio_min"].as<double>(), n["capacity_ratio_max"].as<double>());
      }
    }
    if (epur) {
      EXPECT_LT(h["geomean_capacity_ratio_min"].as<double>(), h["geomean_capacity_ratio_max"].as<double>());
    }
  }
  EXPECT_CONTAINS(read_file(out + "/capacity.csv"), "hardware.weight_streaming=serial");
  EXPECT_CONTAINS(text, "rerun at saturation and at capacity");
}

// Issue 15: capacity.seeds K repeats every search with seeds seed..seed+K-1; the table, CSV and
// JSON give the median over them and the range (min-max), and the ratios take the medians.
TEST(CliReproduce, CapacitySeedsGiveTheMedianAndTheRange) {
  const std::string dir = scratch_dir("reproduce_capacity_seeds"), out = dir + "/out";
  std::string text;
  const YAML::Node j = reproduce_small(dir, "out",
                                       "capacity: {requests: 10, span: 0, max_requests: 10, max_probes: 2, seeds: 3}\n"
                                       "slo: {eesen: {epur: p99=20s, tpu: p99=1s}, imdb_sentiment: p99=0.05s}\n",
                                       "none", &text);
  ASSERT_TRUE(j.IsMap());
  EXPECT_EQ(j["capacity_seeds"].as<int>(), 3);
  ASSERT_EQ(j["capacity"].size(), 3u * 2 * 2 * 3);  // 3 seeds x 2 platforms x 2 networks x 3 policies
  std::map<std::string, std::vector<double>> by_config;
  std::map<std::string, std::set<long long>> seeds;
  for (const auto& c : j["capacity"]) {
    const std::string key =
        c["platform"].as<std::string>() + "/" + c["network"].as<std::string>() + "/" + c["policy"].as<std::string>();
    by_config[key].push_back(c["capacity_per_s"].as<double>());
    seeds[key].insert(c["seed"].as<long long>());
    EXPECT_CONTAINS(c["dir"].as<std::string>(), "/seed-" + std::to_string(c["seed"].as<long long>()));
    EXPECT_TRUE(fs::exists(out + "/" + c["dir"].as<std::string>() + "/probe-01/stats.json"));
  }
  ASSERT_EQ(by_config.size(), 12u);
  for (const auto& c : j["capacity"]) {
    const std::string key =
        c["platform"].as<std::string>() + "/" + c["network"].as<std::string>() + "/" + c["policy"].as<std::string>();
    std::vector<double> v = by_config[key];
    ASSERT_EQ(v.size(), 3u);
    std::sort(v.begin(), v.end());
    EXPECT_DOUBLE_EQ(c["capacity_median_per_s"].as<double>(), v[1]) << key;
    EXPECT_DOUBLE_EQ(c["capacity_min_per_s"].as<double>(), v[0]) << key;
    EXPECT_DOUBLE_EQ(c["capacity_max_per_s"].as<double>(), v[2]) << key;
    EXPECT_EQ(seeds[key], (std::set<long long>{42, 43, 44})) << key;  // default.yaml's seed 42
  }
  // The ratio is of the medians.
  for (const auto& h : j["headline"])
    for (const auto& n : h["networks"]) {
      if (!n["capacity_ratio"]) continue;
      const std::string p = h["platform"].as<std::string>(), net = n["network"].as<std::string>();
      std::vector<double> e = by_config[p + "/" + net + "/ebatch"], b = by_config[p + "/" + net + "/cellular"];
      std::sort(e.begin(), e.end());
      std::sort(b.begin(), b.end());
      EXPECT_NEAR(n["capacity_ratio"].as<double>(), e[1] / b[1], 1e-9 * e[1] / b[1]) << p << "/" << net;
    }
  const std::string csv = read_file(out + "/capacity.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 3 * 12);
  EXPECT_CONTAINS(csv, ",seed,capacity_median_per_s,capacity_min_per_s,capacity_max_per_s");
  EXPECT_CONTAINS(text, "3 seeds: the median and the range over them");
  EXPECT_CONTAINS(text, "seed range");
}

// Issue 15: capacity.variants: all searches every baseline variant and takes the one with the
// highest capacity; the default (saturation) searches only the variant strongest at saturation.
TEST(CliReproduce, CapacityVariantsAllTakesTheHighestCapacity) {
  const std::string dir = scratch_dir("reproduce_capacity_variants");
  const std::string slo = "slo: {eesen: {epur: p99=20s, tpu: p99=1s}, imdb_sentiment: p99=0.05s}\n";
  std::string all_text, sat_text;
  const YAML::Node ja = reproduce_small(
      dir, "all", "capacity: {requests: 10, span: 0, max_requests: 10, max_probes: 2, variants: all}\n" + slo, "all",
      &all_text);
  const YAML::Node js = reproduce_small(
      dir, "sat", "capacity: {requests: 10, span: 0, max_requests: 10, max_probes: 2}\n" + slo, "all", &sat_text);
  ASSERT_TRUE(ja.IsMap() && js.IsMap());
  // Saturation runs per platform and network: every variant of each policy.
  std::map<std::string, int> variants;  // policy -> variants per platform and network
  for (const auto& run : ja["runs"])
    if (run["load"].as<std::string>() == "saturation" && run["platform"].as<std::string>() == "epur" &&
        run["network"].as<std::string>() == "eesen")
      ++variants[run["policy"].as<std::string>()];
  ASSERT_GT(variants["cellular"], 1);
  int searches = 0;
  for (const auto& [pol, k] : variants) searches += k;
  EXPECT_EQ(ja["capacity"].size(), std::size_t(2 * 2 * searches));
  EXPECT_EQ(js["capacity"].size(), 2u * 2 * 3);  // one per policy
  // The ratio's baseline is the cellular variant of the highest capacity (ties: lower energy).
  for (const auto& h : ja["headline"])
    for (const auto& n : h["networks"]) {
      if (!n["capacity_ratio"]) continue;
      const std::string p = h["platform"].as<std::string>(), net = n["network"].as<std::string>();
      double best = -1, best_energy = 0, ebatch = 0;
      std::string best_variant;
      for (const auto& c : ja["capacity"]) {
        if (c["platform"].as<std::string>() != p || c["network"].as<std::string>() != net) continue;
        const double cap = c["capacity_per_s"].as<double>(), e = c["energy_per_sequence_at_capacity_j"].as<double>();
        if (c["policy"].as<std::string>() == "ebatch") ebatch = cap;
        if (c["policy"].as<std::string>() != "cellular") continue;
        if (cap > best || (cap == best && cap > 0 && e < best_energy)) {
          best = cap;
          best_energy = e;
          best_variant = c["variant"].as<std::string>();
        }
      }
      EXPECT_EQ(n["baseline_variant_at_capacity"].as<std::string>(), best_variant) << p << "/" << net;
      EXPECT_NEAR(n["capacity_ratio"].as<double>(), ebatch / best, 1e-9 * ebatch / best) << p << "/" << net;
    }
  // The default: the baseline at capacity is the one strongest at saturation.
  for (const auto& h : js["headline"])
    for (const auto& n : h["networks"])
      if (n["capacity_ratio"]) {
        EXPECT_EQ(n["baseline_variant_at_capacity"].as<std::string>(), n["baseline_variant"].as<std::string>());
      }
  EXPECT_CONTAINS(all_text, "every variant; the ratios take each policy's highest capacity");
}
