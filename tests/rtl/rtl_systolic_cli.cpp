// `ebatch gemm --rtl`: one GEMM through the RTL array from the command line, its report
// (measured cycles beside the closed form, bit-exact outputs), its waveform and GTKWave save
// file, and bad use (exit 2, one message, nothing written).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "tests/test_support.h"

using ebatch::test::read_file;
using ebatch::test::run_cli;
using ebatch::test::scratch_dir;

// 16x16, M = 7, K = 40, N = 20: folds = ceil(40/16) * ceil(20/16) = 3 * 2 = 6, each
// R + C + M - 2 = 37 edges, GEMM R + 6 * 37 = 238 edges.
TEST(RtlSystolicCli, GemmReportsMeasuredCyclesBesideTheClosedFormAndTraces) {
  const std::string dir = scratch_dir("rtl_gemm");
  const auto r = run_cli({"gemm", "--m", "7", "--k", "40", "--n", "20", "--rtl", "--set", "array.rows=16", "--set",
                          "array.cols=16", "--seed", "3", "--trace", dir + "/sa.vcd", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string json;  // without the layout's blanks
  for (const char ch : r.out)
    if (!std::isspace(static_cast<unsigned char>(ch))) json += ch;
  EXPECT_CONTAINS(json, "\"folds\":6");
  EXPECT_CONTAINS(json, "\"rtl\":{\"cycles\":238,\"closed_form_cycles\":238,\"fold_cycles\":37,");
  EXPECT_CONTAINS(json, "\"closed_form_fold_cycles\":37,\"outputs\":140,\"bit_exact\":true");
  const std::string vcd = read_file(dir + "/sa.vcd");
  for (const char* pin : {"w_shift", "w_swap", "x_valid", "x_row [127:0]", "y_row [511:0]", "y_last"})
    EXPECT_CONTAINS(vcd, pin);
  const std::string gtkw = read_file(dir + "/sa.gtkw");
  EXPECT_CONTAINS(gtkw, "systolic.array.ebatch_systolic_array.w_swap");
  EXPECT_CONTAINS(gtkw, "systolic array: outputs");
  const auto text =
      run_cli({"gemm", "--m", "3", "--k", "5", "--n", "6", "--rtl", "--set", "array.rows=4", "--set", "array.cols=4"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  // 4x4: folds = 2 * 2 = 4 of 4 + 4 + 3 - 2 = 9 edges, GEMM 4 + 4 * 9 = 40.
  EXPECT_CONTAINS(text.out, "rtl_cycles      40  (closed form 40");
  EXPECT_CONTAINS(text.out, "18 outputs bit-exact");
}

TEST(RtlSystolicCli, BadUseExitsTwoWithOneMessage) {
  const std::string dir = scratch_dir("rtl_gemm_bad");
  struct Bad {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Bad> cases = {
      {{"--rtl"}, "key 'array': --rtl has no 256x256 RTL array built (built: 4x4, 8x8, 16x16"},
      {{"--rtl", "--set", "array.rows=8", "--set", "array.cols=4"}, "--rtl has no 8x4 RTL array built"},
      {{"--rtl", "--set", "array.rows=8", "--set", "array.cols=8", "--set", "precision=fp16"},
       "key 'precision': the RTL array is int8, not fp16"},
      {{"--trace", dir + "/t.vcd"}, "ebatch gemm: --trace needs --rtl"},
      {{"--seed", "4"}, "ebatch gemm: --seed needs --rtl"},
      {{"--rtl", "--set", "array.rows=8", "--set", "array.cols=8", "--trace", dir + "/none/t.vcd"}, "does not exist"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"gemm", "--m", "4", "--k", "4", "--n", "4"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_CONTAINS(r.err, c.message);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  // Too large for the RTL: refused before any simulation.
  const auto big = run_cli({"gemm", "--m", "100000", "--k", "4000", "--n", "4000", "--rtl", "--set", "array.rows=4",
                            "--set", "array.cols=4"});
  EXPECT_EQ(big.exit_code, 2);
  EXPECT_CONTAINS(big.err, "too large for the RTL");
}
