// Shared by the systolic-array RTL tests: every built array, made once per process before
// the simulation starts (SystemC elaborates once), and the closed form's hardware.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/experiment.h"
#include "hw/rtl/systolic/systolic_rtl.h"
#include "tests/test_support.h"

namespace ebatch::test {

// The array of size s x s (every built size is made on the first call).
inline rtl::SystolicRtl& systolic_array(int s) {
  static const auto arrays = [] {
    std::map<int, std::unique_ptr<rtl::SystolicRtl>> m;
    for (const auto& [r, c] : rtl::systolic_rtl_sizes())
      if (r == c) m[r] = rtl::make_systolic_rtl(("sa" + std::to_string(r)).c_str(), r, c);
    return m;
  }();
  return *arrays.at(s);
}

// configs/hw/tpu_v1.yaml with an s x s array.
inline HardwareConfig tpu_array(int s) {
  return load_hardware_config(repo_path("configs/hw/tpu_v1.yaml"),
                              {{"array.rows", std::to_string(s)}, {"array.cols", std::to_string(s)}});
}

}  // namespace ebatch::test
