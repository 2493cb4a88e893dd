// `ebatch gemm` as users run it.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "tests/test_support.h"

using ebatch::test::repo_path;
using ebatch::test::run_cli;

TEST(CliGemm, JsonGivesScaleSimAndModelCycles) {
  const auto r = run_cli({"gemm", "--m", "1", "--k", "1", "--n", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const YAML::Node j = YAML::Load(r.out);
  EXPECT_EQ(j["compute_cycles"].as<long long>(), 767);  // 2*256 + 256 + 1 - 2
  EXPECT_EQ(j["folds"].as<long long>(), 1);
  EXPECT_GE(j["total_cycles"].as<long long>(), 256 + 256 + 256 + 1 - 2);
  EXPECT_GT(j["energy_j"].as<double>(), 0.0);
}

TEST(CliGemm, OverridesApplyToTheHardwareFile) {
  const auto r = run_cli(
      {"gemm", "--m", "10", "--k", "300", "--n", "300", "--set", "array.rows=128", "--set", "array.cols=64", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const YAML::Node j = YAML::Load(r.out);
  EXPECT_EQ(j["rows"].as<int>(), 128);
  EXPECT_EQ(j["folds"].as<long long>(), 3 * 5);
  EXPECT_EQ(j["compute_cycles"].as<long long>(), 15 * (2 * 128 + 64 + 10 - 2));
}

TEST(CliGemm, BadArgumentsExitWith2) {
  EXPECT_EQ(run_cli({"gemm", "--m", "0", "--k", "1", "--n", "1"}).exit_code, 2);
  EXPECT_EQ(run_cli({"gemm", "--k", "1", "--n", "1"}).exit_code, 2);
  const auto bad_key = run_cli({"gemm", "--m", "1", "--k", "1", "--n", "1", "--set", "array.rws=3"});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_NE(bad_key.err.find("did you mean 'rows'"), std::string::npos) << bad_key.err;
  const auto epur =
      run_cli({"gemm", "--hardware", repo_path("configs/hw/epur.yaml"), "--m", "1", "--k", "1", "--n", "1"});
  EXPECT_EQ(epur.exit_code, 2);
  EXPECT_NE(epur.err.find("needs a systolic array"), std::string::npos) << epur.err;
}
