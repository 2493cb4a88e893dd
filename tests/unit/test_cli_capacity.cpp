// `ebatch capacity` and `ebatch energy` end to end through the real binary: a small search
// (its files, its probes consistent with the bisection, the energy at the capacity), the
// latency-load curve and its plot data, the energy recompute against the run's own figures
// (closed form), and bad input.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace ebatch::test;  // NOLINT(google-build-using-namespace): test helpers only

namespace {

// IMDB sentiment on the TPU: the smallest network, so every probe takes milliseconds.
std::vector<std::string> small(const std::vector<std::string>& extra) {
  std::vector<std::string> a = {"capacity", repo_path("configs/experiments/default.yaml"),
                                "--set",    "hardware=" + repo_path("configs/hw/tpu_v1.yaml"),
                                "--set",    "energy=" + repo_path("configs/energy/tpu_28nm.yaml"),
                                "--set",    "network=" + repo_path("models/imdb_sentiment.yaml"),
                                "--set",    "workload.lengths=" + repo_path("models/datasets/imdb.yaml"),
                                "--jobs",   "2"};
  if (std::find(extra.begin(), extra.end(), "--requests") == extra.end()) a.insert(a.end(), {"--requests", "40"});
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

}  // namespace

TEST(CliCapacity, SearchesEachPolicyAndWritesItsFiles) {
  const std::string out = scratch_dir("capacity") + "/out";
  const auto r = run_cli(small({"--policies", "none,ebatch", "--slo", "p99=40ms", "--max-probes", "4", "--seeds", "2",
                                "--curve", "0.5,1", "--out", out}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "capacity at p99=40 ms");
  const YAML::Node j = YAML::LoadFile(out + "/capacity.json");
  ASSERT_EQ(j["policies"].size(), 2u);
  for (const auto& p : j["policies"]) {
    ASSERT_EQ(p["seeds"].size(), 2u);
    for (const auto& s : p["seeds"]) {
      EXPECT_TRUE(s["complete"].as<bool>());
      const double upper = s["saturation_throughput_per_s"].as<double>(), cap = s["capacity_per_s"].as<double>();
      EXPECT_GT(upper, 0);
      // The probes follow the search: the first at the saturation throughput, then twice the
      // highest that passed while none failed, then the middle of the bracket the earlier ones
      // left; the capacity is a rate that passed.
      const YAML::Node probes = s["probes"];
      ASSERT_GE(probes.size(), 1u);
      double lo = 0, hi = 0;
      for (std::size_t i = 0; i < probes.size(); ++i) {
        const double rate = probes[i]["rate_per_s"].as<double>();
        const double expected = i == 0 ? upper : hi == 0 ? 2 * lo : 0.5 * (lo + hi);
        EXPECT_NEAR(rate, expected, 1e-9 * upper);
        const bool within = probes[i]["within"].as<bool>();
        EXPECT_EQ(within, probes[i]["statistic_s"].as<double>() <= 0.040);
        (within ? lo : hi) = rate;
        EXPECT_TRUE(fs::exists(out + "/" + probes[i]["dir"].as<std::string>() + "/stats.json"));
      }
      EXPECT_DOUBLE_EQ(cap, lo);
      if (cap > 0) {
        EXPECT_GT(s["energy_per_sequence_at_capacity_j"].as<double>(), 0);
      }
    }
    EXPECT_LE(p["capacity_min_per_s"].as<double>(), p["capacity_per_s"].as<double>());
    EXPECT_GE(p["capacity_max_per_s"].as<double>(), p["capacity_per_s"].as<double>());
  }
  const std::string csv = read_file(out + "/capacity.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 2);
  // The load curve: 2 policies x 2 axes x 2 fractions, and the plot's data without matplotlib.
  const std::string curve = read_file(out + "/load_curve.csv");
  EXPECT_EQ(std::count(curve.begin(), curve.end(), '\n'), 1 + 2 * 2 * 2);
  const auto plot = run_cli({"--version"});  // the binary exists; the plot is python
  ASSERT_EQ(plot.exit_code, 0);
  const std::string cmd = "python3 " + repo_path("tools/plot.py") + " load-curve " + out + " --dry-run > " + out +
                          "/curve.json 2> " + out + "/curve.err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(out + "/curve.err");
  const YAML::Node d = YAML::LoadFile(out + "/curve.json");
  EXPECT_EQ(d["slo_statistic"].as<std::string>(), "p99");
  EXPECT_DOUBLE_EQ(d["slo_s"].as<double>(), 0.04);
  for (const char* axis : {"relative", "absolute"}) {
    ASSERT_EQ(d["axes"][axis].size(), 2u) << axis;
    for (const auto& pol : d["axes"][axis]) EXPECT_EQ(pol.second.size(), 2u);
  }
  EXPECT_DOUBLE_EQ(d["axes"]["relative"]["ebatch"][1][0].as<double>(), 1.0);  // x: the fraction
}

TEST(CliCapacity, BadInputExitsTwoAndWritesNothing) {
  const std::string dir = scratch_dir("capacity_bad");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--slo", "p99"}, "--slo: 'p99' is not STAT=TIME"},
      {{"--slo", "p97=2s"}, "unknown latency statistic 'p97'"},
      {{"--slo", "p99=2 parsecs"}, "--slo"},
      {{"--policies", "none,celular"}, "unknown policy 'celular'"},
      {{"--seeds", "0"}, "--seeds"},
      {{"--tolerance", "1.5"}, "--tolerance"},
      {{"--warmup", "0.95"}, "--warmup"},
      {{"--requests", "3"}, "--requests"},
      {{"--curve", "0.5,x"}, "--curve: 'x'"},
      {{"--variants", "most"}, "--variants"},
      {{"--set", "policy.slots=0"}, "policy.slots"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string out = dir + "/out" + std::to_string(i);
    std::vector<std::string> a = cases[i].first;
    a.insert(a.end(), {"--out", out});
    const auto r = run_cli(small(a));
    EXPECT_EQ(r.exit_code, 2) << cases[i].second << "\n" << r.err;
    EXPECT_CONTAINS(r.err, cases[i].second);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out)) << cases[i].second;
  }
  const auto help = run_cli({"capacity", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_CONTAINS(help.out, "--slo");
  EXPECT_CONTAINS(run_cli({"--help"}).out, "capacity [EXPERIMENT.yaml]");
}

// The recompute reproduces the run's own energy, and a factor changes it by the closed form:
// with the DRAM's energy per byte halved, the total falls by half the DRAM's dynamic energy;
// without leakage it is the dynamic energy alone.
TEST(CliEnergy, RecomputesFromActionCounts) {
  const std::string dir = scratch_dir("energy") + "/run";
  const auto run = run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", "workload.requests=6",
                            "--set", "output.progress=off", "--out", dir});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const YAML::Node stats = YAML::LoadFile(dir + "/stats.json");
  const double total = stats["energy_j"]["total"].as<double>(), dynamic = stats["energy_j"]["dynamic"].as<double>();
  const double dram = stats["energy_j"]["components"]["dram"]["dynamic"].as<double>();
  auto energy = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> a = {"energy", dir, "--json"};
    a.insert(a.end(), extra.begin(), extra.end());
    const auto r = run_cli(a);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return YAML::Load(r.out);
  };
  EXPECT_NEAR(energy({})["total_j"].as<double>(), total, 1e-9 * total);
  EXPECT_NEAR(energy({"--scale", "dram=0.5"})["total_j"].as<double>(), total - 0.5 * dram, 1e-9 * total);
  EXPECT_NEAR(energy({"--set", "energy.components.dram.read_byte=32 pJ", "--set",
                      "energy.components.dram.write_byte=32 pJ"})["total_j"]
                  .as<double>(),
              total - 0.5 * dram, 1e-9 * total);
  EXPECT_NEAR(energy({"--scale", "leakage=0"})["total_j"].as<double>(), dynamic, 1e-9 * total);
  EXPECT_NEAR(energy({"--scale", "leakage=2"})["leakage_j"].as<double>(), 2 * stats["energy_j"]["leakage"].as<double>(),
              1e-9 * total);
  const auto text = run_cli({"energy", dir});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_CONTAINS(text.out, "x1.0000");
  // Bad input: one message, exit 2.
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"energy", dir + "/nope"}, "no stats.json"},
      {{"energy", dir, "--scale", "dram"}, "is not TARGET=FACTOR"},
      {{"energy", dir, "--scale", "dram=-1"}, "factor must be"},
      {{"energy", dir, "--scale", "drum=0.5"}, "no component 'drum'"},
      {{"energy", dir, "--scale", "dram.sip=0.5"}, "has no action 'sip'"},
      {{"energy", dir, "--set", "hardware.weight_streaming=serial"}, "only energy keys"},
      {{"energy"}, "give a run folder"},
  };
  for (const auto& [args, why] : bad) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << why << "\n" << r.err;
    EXPECT_CONTAINS(r.err, why);
  }
}
