// `ebatch gemm`: cycles, utilisation, DRAM traffic and energy of one
// (M x K) * (K x N) product on the systolic array, from the closed form alone
// (no simulation kernel), for validation against SCALE-Sim and the like.
#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/errors.h"
#include "common/json_writer.h"
#include "common/units.h"
#include "ebatch_version.h"
#include "hw/dram_timing.h"
#include "hw/energy_counters.h"
#include "hw/tpu/tpu_cost.h"
#include "hw/tpu/tpu_plan.h"
#include "tools/cli.h"
#include "tools/gemm_rtl.h"

namespace po = boost::program_options;

namespace ebatch::cli {

int command_gemm(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("hardware", po::value<std::string>(), "")("energy", po::value<std::string>(), "")(
      "m", po::value<long long>(), "")("k", po::value<long long>(), "")("n", po::value<long long>(), "")(
      "set", po::value<std::vector<std::string>>(), "")("json", "")("rtl", "")("trace", po::value<std::string>(), "")(
      "seed", po::value<long long>(), "");
  po::variables_map vm;
  try {
    const po::positional_options_description no_positional;  // a stray argument is an error
    po::store(po::command_line_parser(args).options(opts).positional(no_positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& err) {
    throw InputError(std::string("ebatch gemm: ") + err.what() + " (see ebatch gemm --help)");
  }
  if (vm.count("help")) {
    std::cout
        << "usage: ebatch gemm [--hardware HW.yaml] [--energy ENERGY.yaml] --m M --k K --n N\n"
           "                   [--set key=value]... [--json] [--rtl [--trace FILE.vcd] [--seed S]]\n"
           "Cycles of (M x K) * (K x N) on the systolic array (default configs/hw/tpu_v1.yaml):\n"
           "  compute_cycles  SCALE-Sim weight-stationary convention: folds * (2R + C + M - 2)\n"
           "  total_cycles    with weight loads overlapped through the FIFO and DRAM stalls\n"
           "plus folds, utilisation, DRAM bytes and energy. --set keys are relative to the\n"
           "hardware file (e.g. --set array.rows=128).\n"
           "--rtl also runs the GEMM through the verilated int8 RTL array (built sizes 4x4, 8x8,\n"
           "16x16: --set array.rows=8 --set array.cols=8) on seeded random operands (--seed, default 1),\n"
           "checks its outputs bit for bit against the int8 datapath and reports its measured cycles\n"
           "beside the closed form's (R + folds * (R + C + M - 2): total_cycles without DRAM stalls).\n"
           "--trace FILE.vcd writes the array's pin-level waveform and FILE.gtkw, a GTKWave save file grouping it.\n";
    return 0;
  }
  for (const char* dim : {"m", "k", "n"}) {
    if (!vm.count(dim))
      throw InputError(std::string("ebatch gemm: --") + dim + " is required (see ebatch gemm --help)");
    if (vm[dim].as<long long>() < 1) throw InputError(std::string("ebatch gemm: --") + dim + " must be at least 1");
  }
  const bool rtl = vm.count("rtl") > 0;
  const std::string trace_path = vm.count("trace") ? vm["trace"].as<std::string>() : "";
  if (!rtl && (vm.count("trace") || vm.count("seed")))
    throw InputError(std::string("ebatch gemm: --") + (vm.count("trace") ? "trace" : "seed") + " needs --rtl");
  if (vm.count("seed") && vm["seed"].as<long long>() < 0) throw InputError("ebatch gemm: --seed must be at least 0");
  if (rtl && !gemm_rtl_built()) check_gemm_rtl(HardwareConfig{}, "", 1, 1, 1);  // says it is not built
  if (!trace_path.empty()) {
    const auto parent = std::filesystem::absolute(trace_path).parent_path();
    if (!std::filesystem::is_directory(parent))
      throw InputError("ebatch gemm: --trace " + trace_path + ": folder " + parent.string() + " does not exist");
  }
  const std::string root = EBATCH_SOURCE_DIR;
  const std::string hw_path =
      vm.count("hardware") ? vm["hardware"].as<std::string>() : root + "/configs/hw/tpu_v1.yaml";
  std::vector<Override> overrides;
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) overrides.push_back(parse_override(s));
  const auto wall_start = std::chrono::steady_clock::now();
  const HardwareConfig hw = load_hardware_config(hw_path, overrides);
  if (hw.platform != platform_named("tpu"))
    throw InputError(hw_path + ": key 'platform': ebatch gemm needs a systolic array (platform: tpu)");
  const std::string energy_path =
      vm.count("energy") ? vm["energy"].as<std::string>() : root + "/configs/energy/tpu_28nm.yaml";
  const EnergyTable table = load_energy_table(energy_path, hw.platform);
  const auto m = std::uint64_t(vm["m"].as<long long>()), k = std::uint64_t(vm["k"].as<long long>()),
             n = std::uint64_t(vm["n"].as<long long>());
  {  // Counts must fit in 64 bits: bound the cycles in long double before any integer arithmetic.
    const long double r = hw.config<TpuConfig>().rows, c = hw.config<TpuConfig>().cols;
    const long double bytes = bytes_per_value(hw.precision);
    const long double folds = std::ceil((long double)k / r) * std::ceil((long double)n / c);
    const long double fetch = std::ceil(r * c * bytes / (long double)dram_bytes_per_cycle(hw.dram, hw.frequency_hz));
    const long double cycles =
        folds * (2 * r + c + (long double)m + fetch + 1) + dram_latency_cycles(hw.dram, hw.frequency_hz);
    const long double limit = std::ldexp(1.0L, 62);
    if (!(cycles < limit) || !((long double)k * (long double)n * bytes < limit) ||
        !((long double)m * (long double)std::max(k, n) * 4 < limit))
      throw InputError("ebatch gemm: --m " + std::to_string(m) + " --k " + std::to_string(k) + " --n " +
                       std::to_string(n) + ": the product's cycle and byte counts do not fit in 64 bits");
  }
  if (rtl) check_gemm_rtl(hw, hw_path, m, k, n);
  const GemmCost g = tpu_gemm(hw, m, k, n);
  // Energy: the array's actions, the weights from DRAM, leakage over the product's time.
  EnergyCounters counters;
  TpuPassCost pc;
  pc.cycles = g.total_cycles;
  pc.weight_bytes = g.weight_bytes;
  pc.macs = g.macs;
  pc.fifo_bytes = double(g.weight_bytes);
  pc.ub_read_bytes = g.ub_read_bytes;
  pc.acc_read_bytes = g.acc_read_bytes;
  pc.acc_write_bytes = g.acc_write_bytes;
  const TpuPlanner planner(hw, NetworkSpec{});
  PassPlan plan;
  planner.plan_cost(pc, plan);
  planner.set_capacities(counters);
  PlanActionRecorder(counters, planner).record(plan);
  counters.add(counters.action("dram", "read_byte"), double(plan.dram_read_bytes()));
  const double seconds = plan_seconds(plan, hw);
  const auto report = counters.report(table, seconds);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  GemmRtlReport rr;
  if (rtl) {
    rr = run_gemm_rtl(hw, m, k, n, vm.count("seed") ? std::uint64_t(vm["seed"].as<long long>()) : 1, trace_path);
    if (rr.mismatches) throw std::runtime_error("ebatch gemm --rtl: the RTL array's outputs differ from the datapath");
  }
  if (vm.count("json")) {
    JsonWriter j;
    j.begin_object()
        .value("m", static_cast<unsigned long long>(m))
        .value("k", static_cast<unsigned long long>(k))
        .value("n", static_cast<unsigned long long>(n))
        .value("rows", hw.config<TpuConfig>().rows)
        .value("cols", hw.config<TpuConfig>().cols)
        .value("precision", to_string(hw.precision))
        .value("folds", static_cast<unsigned long long>(g.folds))
        .value("compute_cycles", static_cast<unsigned long long>(g.compute_cycles))
        .value("total_cycles", static_cast<unsigned long long>(g.total_cycles))
        .value("stall_cycles", static_cast<unsigned long long>(g.stall_cycles))
        .value("seconds", seconds)
        .value("utilisation", g.utilisation())
        .value("macs", g.macs)
        .value("dram_bytes", static_cast<unsigned long long>(g.weight_bytes))
        .value("energy_j", report.total_j())
        .value("dynamic_energy_j", report.dynamic_j)
        .value("leakage_energy_j", report.leakage_j)
        .value("wall_clock_s", wall);
    if (rtl)
      j.begin_object("rtl")
          .value("cycles", static_cast<unsigned long long>(rr.cycles))
          .value("closed_form_cycles", static_cast<unsigned long long>(rr.closed_form_cycles))
          .value("fold_cycles", static_cast<unsigned long long>(rr.fold_cycles))
          .value("closed_form_fold_cycles", static_cast<unsigned long long>(rr.closed_form_fold_cycles))
          .value("outputs", static_cast<unsigned long long>(rr.outputs))
          .value("bit_exact", rr.mismatches == 0)
          .value("wall_clock_s", rr.wall_seconds)
          .value("cycles_per_second", rr.wall_seconds > 0 ? double(rr.cycles) / rr.wall_seconds : 0.0)
          .end_object();
    j.end_object();
    std::cout << j.str();
    return 0;
  }
  std::printf("GEMM (%llu x %llu) * (%llu x %llu) on a %d x %d %s array at %s\n", (unsigned long long)m,
              (unsigned long long)k, (unsigned long long)k, (unsigned long long)n, hw.config<TpuConfig>().rows,
              hw.config<TpuConfig>().cols, to_string(hw.precision), units::format_frequency(hw.frequency_hz).c_str());
  std::printf("  folds           %llu\n", (unsigned long long)g.folds);
  std::printf("  compute_cycles  %llu  (SCALE-Sim weight-stationary, no overlap, no DRAM)\n",
              (unsigned long long)g.compute_cycles);
  std::printf("  total_cycles    %llu  (%s; %llu stall cycles)\n", (unsigned long long)g.total_cycles,
              units::format_time(seconds).c_str(), (unsigned long long)g.stall_cycles);
  std::printf("  utilisation     %.4f%%\n", 100 * g.utilisation());
  std::printf("  DRAM            %s of weights\n", units::format_size(double(g.weight_bytes)).c_str());
  std::printf("  energy          %s (dynamic %s, leakage %s)\n", units::format_energy(report.total_j()).c_str(),
              units::format_energy(report.dynamic_j).c_str(), units::format_energy(report.leakage_j).c_str());
  if (rtl) {
    std::printf("RTL array (Verilator), %llu outputs bit-exact against the int8 datapath\n",
                (unsigned long long)rr.outputs);
    std::printf("  rtl_cycles      %llu  (closed form %llu: R + folds * (R + C + M - 2), %s)\n",
                (unsigned long long)rr.cycles, (unsigned long long)rr.closed_form_cycles,
                rr.cycles == rr.closed_form_cycles ? "equal" : "DIFFERENT");
    std::printf("  fold_cycles     %llu%s  (closed form R + C + M - 2 = %llu)\n", (unsigned long long)rr.fold_cycles,
                rr.folds_uniform ? "" : " (not every fold)", (unsigned long long)rr.closed_form_fold_cycles);
    std::printf("  wall            %.3f s, %.0f simulated cycles per second\n", rr.wall_seconds,
                rr.wall_seconds > 0 ? double(rr.cycles) / rr.wall_seconds : 0.0);
    if (!trace_path.empty()) std::printf("  trace           %s\n", trace_path.c_str());
  }
  return 0;
}

}  // namespace ebatch::cli
