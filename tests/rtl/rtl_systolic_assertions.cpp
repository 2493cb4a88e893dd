// The RTL systolic array's own assertions fire on purpose (a negative test): each protocol
// rule of hw/rtl/systolic/ebatch_systolic_array.sv broken once, through the raw pins, counts
// exactly one assertion failure naming its rule; the legal sequence around it counts none.
#include <gtest/gtest.h>

#include "tests/rtl/rtl_systolic_support.h"

using ebatch::rtl::SystolicRtl;
using ebatch::test::systolic_array;

namespace {

struct Case {
  const char* rule;
  // Pins per edge after reset; the rule is broken at the last edge.
  std::vector<SystolicRtl::PinsIn> edges;
};

SystolicRtl::PinsIn shift() {
  SystolicRtl::PinsIn p;
  p.w_shift = true;
  return p;
}
SystolicRtl::PinsIn swap(bool x = false) {
  SystolicRtl::PinsIn p;
  p.w_swap = true;
  p.x_valid = x;
  return p;
}
SystolicRtl::PinsIn input(bool last = false) {
  SystolicRtl::PinsIn p;
  p.x_valid = true;
  p.x_last = last;
  return p;
}
SystolicRtl::PinsIn idle() { return {}; }

std::vector<SystolicRtl::PinsIn> full_tile() { return {shift(), shift(), shift(), shift()}; }

std::vector<SystolicRtl::PinsIn> join(std::vector<SystolicRtl::PinsIn> a, const std::vector<SystolicRtl::PinsIn>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST(RtlSystolicAssertions, EachRuleFiresOnPurpose) {
  SystolicRtl& sa = systolic_array(4);
  const std::vector<Case> cases = {
      // Fold 0 (two rows) in flight: swapping fold 1 in one edge after its last input.
      {"SA_SWAP_IN_FLIGHT", join(join(full_tile(), {swap(true), input(true)}), join(full_tile(), {swap(true)}))},
      {"SA_SWAP_SHADOW_NOT_FULL", {shift(), shift(), shift(), swap()}},
      {"SA_SHIFT_OVERFLOW", join(full_tile(), {shift()})},
      {"SA_X_OUTSIDE_FOLD", {input()}},
      {"SA_X_OUTSIDE_FOLD", join(full_tile(), {swap(true), input(true), idle(), input()})},
      {"SA_LAST_WITHOUT_VALID",
       [] {
         SystolicRtl::PinsIn p;
         p.x_last = true;
         return std::vector<SystolicRtl::PinsIn>{p};
       }()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    SystolicRtl::PinsIn reset;
    reset.reset = true;
    const std::uint64_t before = SystolicRtl::assertion_failures();
    testing::internal::CaptureStdout();
    std::uint64_t after_legal = 0;
    sa.run([&] {
      sa.edge(reset);
      for (std::size_t i = 0; i + 1 < c.edges.size(); ++i) sa.edge(c.edges[i]);
      after_legal = SystolicRtl::assertion_failures();
      sa.edge(c.edges.back());
    });
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(after_legal, before) << out;  // the legal prefix is quiet
    EXPECT_EQ(SystolicRtl::assertion_failures(), before + 1) << out;
    EXPECT_NE(out.find(c.rule), std::string::npos) << out;
  }
  // A GEMM after a broken rule (and a reset) still runs clean, and reports no failure.
  ebatch::rtl::SystolicGemm g;
  g.m = 1;
  g.k = 1;
  g.n = 1;
  g.x = {-3};
  g.w = {7};
  sa.run([&] {
    SystolicRtl::PinsIn reset;
    reset.reset = true;
    sa.edge(reset);
  });
  EXPECT_EQ(sa.gemm(g).y, (std::vector<std::int32_t>{-21}));
}
