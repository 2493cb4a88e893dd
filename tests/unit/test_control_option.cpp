// hardware.control (common/experiment.h): tlm by default, rtl accepted only by builds with
// the RTL co-simulation (Verilator), anything else refused naming the key; resolved.yaml
// keeps the value. Kernel-free: the config loader only.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "common/errors.h"
#include "common/experiment.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

std::string default_yaml() { return test::repo_path("configs/experiments/default.yaml"); }

TEST(ControlOption, DefaultsToTlmAndIsResolved) {
  const Experiment e = load_experiment(default_yaml());
  EXPECT_EQ(e.hardware.control, ControlKind::tlm);
  std::ostringstream resolved;
  resolved << e.resolved["hardware"]["control"];
  EXPECT_EQ(resolved.str(), "tlm");
}

TEST(ControlOption, RtlOnlyWithVerilator) {
  if (kHaveRtl) {
    EXPECT_EQ(load_experiment(default_yaml(), {{"hardware.control", "rtl"}}).hardware.control, ControlKind::rtl);
    return;
  }
  try {
    load_experiment(default_yaml(), {{"hardware.control", "rtl"}});
    FAIL() << "rtl accepted by a build without Verilator";
  } catch (const InputError& err) {
    EXPECT_CONTAINS(err.what(), "key 'hardware.control'");
    EXPECT_CONTAINS(err.what(), "built without Verilator");
  }
}

TEST(ControlOption, UnknownValueNamesTheKey) {
  try {
    load_experiment(default_yaml(), {{"hardware.control", "verilog"}});
    FAIL() << "accepted";
  } catch (const InputError& err) {
    EXPECT_CONTAINS(err.what(), "key 'hardware.control': 'verilog' is not one of tlm, rtl");
  }
}

}  // namespace
}  // namespace ebatch
