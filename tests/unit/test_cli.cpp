// The `ebatch` command as users run it: exit codes, messages, files written.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/experiment.h"
#include "common/npy.h"
#include "common/rnn_weights.h"
#include "tests/test_support.h"

using ebatch::test::repo_path;
using ebatch::test::run_cli;
using ebatch::test::scratch_dir;
using ebatch::test::write_file;
namespace fs = std::filesystem;

TEST(Cli, HelpAndVersion) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.out, "usage: ebatch <command>");
  EXPECT_CONTAINS(r.out, "validate EXPERIMENT.yaml");
  EXPECT_CONTAINS(r.out, "run EXPERIMENT.yaml [--set key=value]... [--out DIR]");
  r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.out, "ebatch 0.");
  r = run_cli({"validate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_CONTAINS(r.out, "usage: ebatch validate");
  EXPECT_EQ(r.out.find("SystemC"), std::string::npos) << "the kernel banner must stay off stdout";
}

TEST(Cli, NoArgumentsAndUnknownCommandsAreUsageErrors) {
  auto r = run_cli({});
  EXPECT_EQ(r.exit_code, 2);
  r = run_cli({"simulate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "unknown command 'simulate'");
  r = run_cli({"validate", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "--bogus");
}

TEST(Cli, ValidatePrintsResolvedConfigAndWorkloadSummary) {
  const auto r = run_cli({"validate", repo_path("configs/experiments/default.yaml"), "--set", "workload.requests=200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "hardware:");
  EXPECT_CONTAINS(r.out, "frequency: 500 MHz");
  EXPECT_CONTAINS(r.out, "requests: 200");
  EXPECT_CONTAINS(r.out, "# workload");
  EXPECT_CONTAINS(r.out, "total steps");
  EXPECT_CONTAINS(r.out, "ok: ");
}

TEST(Cli, ValidateWithoutArgumentsUsesTheDefaultExperiment) {
  const auto r = run_cli({"validate"}, ebatch::test::repo_root());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "name: eesen_epur");
}

TEST(Cli, BadConfigGivesOneMessageAndExitCode2) {
  const std::string dir = scratch_dir("cli");
  write_file(dir + "/bad.yaml", "name: x\nhardware: " + repo_path("configs/hw/epur.yaml") + "\nsleds: 3\n");
  const auto r = run_cli({"validate", dir + "/bad.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  // One line: file, line, key, reason.
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_CONTAINS(r.err, "error: ");
  const auto r2 = run_cli({"validate", repo_path("configs/experiments/default.yaml"), "--set", "policy.kind=padded",
                           "--set", "policy.slots=0"});
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_CONTAINS(r2.err, "error: --set policy.slots=0: key 'policy.slots': 0 is out of range");
  const auto r3 = run_cli({"validate", dir + "/missing.yaml"});
  EXPECT_EQ(r3.exit_code, 2);
  EXPECT_CONTAINS(r3.err, "missing.yaml: file not found");
  const auto r4 = run_cli({"validate", repo_path("configs/experiments/default.yaml"), "--set", "policy.slots"});
  EXPECT_EQ(r4.exit_code, 2);
  EXPECT_CONTAINS(r4.err, "expected dotted.key=value");
}

TEST(Cli, RunWithBadConfigWritesNothing) {
  const std::string dir = scratch_dir("cli");
  const std::string out = dir + "/results";
  const auto r = run_cli(
      {"run", repo_path("configs/experiments/default.yaml"), "--set", "hardware.weight_buffer=1 KiB", "--out", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "hardware.weight_buffer");
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, BadWeightsFileFoundAtSetUpWritesNothing) {
  const std::string dir = scratch_dir("cli");
  // A readable .npz whose first array has the wrong shape for EESEN.
  ebatch::write_npz(dir + "/weights.npz", {{"weight_ih_l0", {{4, 4}, std::vector<float>(16, 0.5f)}}});
  const std::string out = dir + "/results";
  const auto r =
      run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", "simulation.functional=true", "--set",
               "simulation.weights=" + dir + "/weights.npz", "--set", "workload.requests=2", "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("weights.npz"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("weight_ih_l0"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

// Issue 14 item 5: a weights file for another network (one layer more, one direction fewer,
// an output layer too many) is refused by name with the reason, exit 2, no folder left.
TEST(Cli, WeightsFileForAnotherNetworkIsRefusedByName) {
  const std::string dir = scratch_dir("cli");
  const ebatch::NetworkSpec eesen = ebatch::load_experiment(repo_path("configs/experiments/default.yaml")).network;
  ebatch::NetworkSpec deeper = eesen, one_way = eesen, no_fc = eesen;
  deeper.num_layers = eesen.num_layers + 1;
  one_way.bidirectional = false;
  no_fc.output.size = 0;
  const std::vector<std::pair<ebatch::NetworkSpec, std::string>> cases = {
      {deeper,
       "array 'bias_hh_l4' is not used by network 'eesen': it has 4 layers (l0 to l3), the array is for layer 4"},
      {one_way, "array 'weight_ih_l0_reverse' is missing (expected shape (1280, 120))"},
      {no_fc, "array 'fc.weight' is missing (expected shape (72, 640))"}};
  for (const auto& [spec, message] : cases) {
    const std::string weights = dir + "/weights.npz", out = dir + "/results";
    ebatch::RnnWeights::random(spec, 1).save_npz(weights);
    const auto r = run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", "simulation.functional=true",
                            "--set", "simulation.weights=" + weights, "--set", "workload.requests=2", "--out", out});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_CONTAINS(r.err, "error: " + weights + ": " + message);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
}

TEST(Cli, TooSmallDramFoundAtSetUpWritesNothing) {
  const std::string dir = scratch_dir("cli");
  const std::string out = dir + "/results";
  const auto r = run_cli(
      {"run", repo_path("configs/experiments/default.yaml"), "--set", "hardware.dram.capacity=1 MiB", "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("hardware.dram.capacity"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, OutputFolderAloneReproducesARunWithATrace) {
  const std::string dir = scratch_dir("cli");
  write_file(dir + "/trace.csv", "id,arrival_s,length\n0,0,12\n1,0.001,30\n2,0.002,7\n");
  const std::string out = dir + "/results";
  auto r =
      run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set",
               "workload={lengths: {distribution: trace}, arrivals: {process: trace}, trace: " + dir + "/trace.csv}",
               "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out + "/inputs/trace-trace.csv"));
  // Move the folder away from the trace and rerun from it alone.
  fs::rename(out, dir + "/moved");
  fs::remove(dir + "/trace.csv");
  r = run_cli({"run", dir + "/moved/resolved.yaml", "--out", dir + "/again"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ebatch::test::read_file(dir + "/moved/requests.csv"), ebatch::test::read_file(dir + "/again/requests.csv"));
}
