// The stats.json schema (tb/stats_schema.h) against what real runs write, the
// table in docs/STATS.md and the Python module tools/stats_keys.py.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tb/stats_schema.h"
#include "tests/test_support.h"

using ebatch::test::read_file;
using ebatch::test::repo_path;
using ebatch::test::run_cli;
using ebatch::test::scratch_dir;
namespace schema = ebatch::stat;  // (::stat is POSIX stat())

namespace {

bool has_type(const YAML::Node& n, schema::Type type) {
  switch (type) {
    case schema::Type::object:
      return n.IsMap();
    case schema::Type::list:
      return n.IsSequence();
    case schema::Type::string:
      return n.IsScalar();
    case schema::Type::boolean:
      return n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false");
    case schema::Type::integer:
      return n.IsScalar() && !n.Scalar().empty() && n.Scalar().find_first_not_of("-0123456789") == std::string::npos;
    case schema::Type::number:
      return n.IsNull() || (n.IsScalar() && !n.Scalar().empty() &&
                            n.Scalar().find_first_not_of("-+.0123456789e") == std::string::npos);
  }
  return false;
}

// Every path in a stats.json (objects by key, lists by index), in the order written.
void walk(const YAML::Node& n, const std::string& path, std::vector<std::pair<std::string, YAML::Node>>& out) {
  if (!path.empty()) out.emplace_back(path, n);
  const std::string prefix = path.empty() ? "" : path + ".";
  if (n.IsMap()) {
    for (const auto& kv : n) walk(kv.second, prefix + kv.first.Scalar(), out);
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) walk(n[i], prefix + std::to_string(i), out);
  }
}

std::size_t index_of(const schema::Stat* s) {
  const auto& all = schema::all();
  return std::size_t(std::find(all.begin(), all.end(), s) - all.begin());
}

}  // namespace

// Runs covering every optional part (the tuner, failed requests, the functional check): every
// key written is in the schema with its type, in the schema's order, and every key that the
// schema says is always written is written.
TEST(StatsSchema, EveryKeyARunWritesIsInTheSchemaAndBack) {
  const std::string dir = scratch_dir("stats_schema");
  const std::string exp = repo_path("configs/experiments/default.yaml");
  const std::vector<std::vector<std::string>> runs = {
      {"run", exp, "--set", "workload.requests=12", "--set", "simulation.faults={dram_error: [3]}"},
      {"run", exp, "--set", "workload.requests=3", "--set", "simulation.functional=true"},
      {"run", repo_path("configs/experiments/eesen_tpu.yaml"), "--set", "workload.requests=4"},
  };
  std::set<const schema::Stat*> seen;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    std::vector<std::string> args = runs[k];
    const std::string out = dir + "/" + std::to_string(k);
    args.insert(args.end(), {"--out", out});
    const auto r = run_cli(args);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
    const YAML::Node root = YAML::LoadFile(out + "/stats.json");
    std::vector<std::pair<std::string, YAML::Node>> paths;
    walk(root, "", paths);
    std::size_t last = 0;
    for (const auto& [path, node] : paths) {
      const schema::Stat* s = schema::find(path);
      ASSERT_NE(s, nullptr) << "stats.json key '" << path << "' is not in tb/stats_schema.h";
      EXPECT_TRUE(has_type(node, s->type)) << path << " is not a " << schema::to_string(s->type);
      seen.insert(s);
      if (std::string(s->path).find('<') != std::string::npos) continue;  // repeated per item
      EXPECT_GE(index_of(s), last) << path << " is written out of the schema's order";
      last = std::max(last, index_of(s));
    }
  }
  for (const schema::Stat* s : schema::all()) {
    const std::string when = s->when;
    EXPECT_TRUE(!when.empty() || seen.count(s)) << s->path << " is always written, says the schema";
  }
  // The optional parts these runs asked for.
  for (const schema::Stat* s :
       {&schema::kTunerWindow, &schema::kFailedReason, &schema::kMismatches, &schema::kWindowSteps})
    EXPECT_TRUE(seen.count(s)) << s->path;
}

TEST(StatsSchema, PathsAreUniqueAndLookUpsFindThem) {
  std::set<std::string> paths;
  for (const schema::Stat* s : schema::all()) {
    EXPECT_TRUE(paths.insert(s->path).second) << s->path << " twice";
    EXPECT_GT(std::string(s->description).size(), 0u) << s->path;
  }
  EXPECT_EQ(schema::find("tuner.3.window"), &schema::kTunerWindow);
  EXPECT_EQ(schema::find("energy_j.components.dram.actions.read.energy"), &schema::kActionEnergy);
  EXPECT_EQ(schema::find("tuner.x.window"), nullptr);
  EXPECT_EQ(schema::find("latency_s.p42"), nullptr);
  EXPECT_EQ(schema::kLatencyP99.name(), "p99");
  const YAML::Node s = YAML::Load("{latency_s: {p99: 2.5}}");
  EXPECT_DOUBLE_EQ(schema::at(s, schema::kLatencyP99).as<double>(), 2.5);
  EXPECT_FALSE(schema::at(s, schema::kLatencyP50).IsDefined());
  EXPECT_FALSE(schema::at(s, schema::kMismatches).IsDefined());
}

// docs/STATS.md holds the table `ebatch run --describe-stats` prints, between two markers.
TEST(StatsSchema, DocsTableIsTheDescribeStatsOutput) {
  const auto r = run_cli({"run", "--describe-stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, schema::describe());
  const std::string doc = read_file(repo_path("docs/STATS.md"));
  const std::string begin = "<!-- describe-stats begin -->\n", end = "<!-- describe-stats end -->";
  const auto b = doc.find(begin), e = doc.find(end);
  ASSERT_TRUE(b != std::string::npos && e != std::string::npos && b < e) << "markers missing in docs/STATS.md";
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), r.out)
      << "regenerate the table: ebatch run --describe-stats";
}

TEST(StatsSchema, PythonModuleIsGenerated) {
  const auto r = run_cli({"run", "--describe-stats=python"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(repo_path("tools/stats_keys.py")), r.out)
      << "regenerate: ebatch run --describe-stats=python > tools/stats_keys.py";
}
