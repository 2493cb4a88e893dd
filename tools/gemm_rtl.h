// `ebatch gemm --rtl`: one GEMM through the verilated int8 systolic array
// (hw/rtl/systolic/), checked against the int8 datapath and the closed form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/experiment.h"

namespace ebatch::cli {

struct GemmRtlReport {
  std::uint64_t cycles = 0;                   // measured: first weight shift to last output
  std::uint64_t closed_form_cycles = 0;       // tpu_gemm(): total_cycles - stall_cycles (no DRAM)
  std::uint64_t fold_cycles = 0;              // measured per fold (every fold the same)
  std::uint64_t closed_form_fold_cycles = 0;  // R + C + M - 2
  bool folds_uniform = true;
  std::uint64_t mismatches = 0;  // outputs that differ from the int8 datapath, bit for bit
  std::uint64_t outputs = 0;
  double wall_seconds = 0;
};

// True when this ebatch was built with the RTL array (Verilator found).
bool gemm_rtl_built();
// Checks that --rtl can run this GEMM (array size built, int8, small enough): throws
// InputError naming `hw_path` and the key otherwise.
void check_gemm_rtl(const HardwareConfig& hw, const std::string& hw_path, std::uint64_t m, std::uint64_t k,
                    std::uint64_t n);
// Runs it on seeded random operands (normal floats, quantised by the datapath), writing the
// array's pin-level VCD to `trace_path` if it is not empty.
GemmRtlReport run_gemm_rtl(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n,
                           std::uint64_t seed, const std::string& trace_path);

}  // namespace ebatch::cli
