#include "tools/gemm_rtl.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include "common/errors.h"
#include "hw/rnn_datapath.h"
#include "hw/tpu/tpu_config.h"
#include "hw/tpu/tpu_cost.h"
#include "tb/waveform_files.h"
#ifndef EBATCH_HAVE_RTL_SYSTOLIC
#define EBATCH_HAVE_RTL_SYSTOLIC 0  // built without Verilator
#endif
#if EBATCH_HAVE_RTL_SYSTOLIC
#include "hw/rtl/systolic/systolic_rtl.h"
#endif

namespace ebatch::cli {

namespace {
constexpr std::uint64_t kMaxRtlEdges = 20'000'000;  // about a minute of simulation
constexpr std::uint64_t kMaxRtlValues = 4'000'000;  // per operand and result

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }

#if EBATCH_HAVE_RTL_SYSTOLIC
// The array's pins in the VCD (scope: the module's name, then the verilated top).
std::vector<WaveGroup> array_wave_groups(int r, int c) {
  const std::string p = "systolic.array.ebatch_systolic_array.";
  int shift_bits = 1;  // $clog2(ROWS + 1)
  while ((1 << shift_bits) < r + 1) ++shift_bits;
  return {
      {"systolic array: weights (double buffer)",
       {{p + "clk", 1},
        {p + "rst_n", 1},
        {p + "w_shift", 1},
        {p + "w_row", 8 * c},
        {p + "shifts", shift_bits},
        {p + "shadow_full", 1},
        {p + "w_swap", 1}},
       "a tile shifts in over R edges; w_swap makes it active and opens a fold"},
      {"systolic array: inputs (skewed inside)",
       {{p + "x_valid", 1}, {p + "x_last", 1}, {p + "x_row", 8 * r}, {p + "fold_open", 1}, {p + "busy", 1}},
       "one row of X per edge; array row i sees byte i i edges later"},
      {"systolic array: outputs (de-skewed)",
       {{p + "y_valid", 1}, {p + "y_last", 1}, {p + "y_row", 32 * c}},
       "the row for the input sampled at edge e, registered at edge e + R + C - 2"},
  };
}

// FILE.vcd -> FILE.gtkw (or FILE + .gtkw without the .vcd suffix).
std::string gtkw_path(const std::string& vcd) {
  std::filesystem::path p(vcd);
  return p.extension() == ".vcd" ? p.replace_extension(".gtkw").string() : vcd + ".gtkw";
}
#endif
}  // namespace

bool gemm_rtl_built() { return EBATCH_HAVE_RTL_SYSTOLIC != 0; }

void check_gemm_rtl(const HardwareConfig& hw, const std::string& hw_path, std::uint64_t m, std::uint64_t k,
                    std::uint64_t n) {
  if (!gemm_rtl_built())
    throw InputError(
        "ebatch gemm: --rtl needs the RTL co-simulation, which this build does not have (Verilator not found or "
        "-DEBATCH_RTL=OFF; tools/setup.sh test installs Verilator)");
  const int r = hw.config<TpuConfig>().rows, c = hw.config<TpuConfig>().cols;
  std::string built;
  bool found = false;
#if EBATCH_HAVE_RTL_SYSTOLIC
  for (const auto& [br, bc] : rtl::systolic_rtl_sizes()) {
    built += (built.empty() ? "" : ", ") + std::to_string(br) + "x" + std::to_string(bc);
    found = found || (br == r && bc == c);
  }
#endif
  if (!found)
    throw InputError(hw_path + ": key 'array': --rtl has no " + std::to_string(r) + "x" + std::to_string(c) +
                     " RTL array built (built: " + built + "; e.g. --set array.rows=8 --set array.cols=8)");
  if (hw.precision != Precision::int8)
    throw InputError(hw_path + ": key 'precision': the RTL array is int8, not " + to_string(hw.precision));
  const std::uint64_t folds = ceil_div(k, std::uint64_t(r)) * ceil_div(n, std::uint64_t(c));
  const long double edges = (long double)folds * (long double)(2 * r + c + m);
  if (edges > kMaxRtlEdges || (long double)m * k > kMaxRtlValues || (long double)k * n > kMaxRtlValues ||
      (long double)m * n > kMaxRtlValues)
    throw InputError("ebatch gemm: --rtl --m " + std::to_string(m) + " --k " + std::to_string(k) + " --n " +
                     std::to_string(n) + ": too large for the RTL (at most " + std::to_string(kMaxRtlEdges) +
                     " cycles and " + std::to_string(kMaxRtlValues) + " values per matrix)");
  if (k > std::uint64_t(detail::Int8RowGemm::kMaxCols))
    throw InputError("ebatch gemm: --rtl --k " + std::to_string(k) + ": the int8 datapath sums at most " +
                     std::to_string(detail::Int8RowGemm::kMaxCols) + " products in int32");
}

GemmRtlReport run_gemm_rtl(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n,
                           std::uint64_t seed, const std::string& trace_path) {
  GemmRtlReport rep;
#if EBATCH_HAVE_RTL_SYSTOLIC
  const int r = hw.config<TpuConfig>().rows, c = hw.config<TpuConfig>().cols;
  // Operands: normal floats, quantised per row as the int8 datapath does.
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> v(0.0f, 1.0f);
  const auto M = Eigen::Index(m), K = Eigen::Index(k), N = Eigen::Index(n);
  RowMatrix w(N, K), x(M, K);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = v(rng);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = v(rng);
  detail::Int8RowGemm datapath(w);
  datapath.prepare(M);
  datapath.input().topRows(M) = x;
  datapath.run(M);
  rtl::SystolicGemm g;
  g.m = m;
  g.k = k;
  g.n = n;
  std::vector<float> sx(static_cast<std::size_t>(m));
  RowMatrix xq = x;
  for (Eigen::Index i = 0; i < M; ++i) sx[std::size_t(i)] = detail::quantise_int8(x.row(i).data(), K, xq.row(i).data());
  g.x.reserve(m * k);
  for (Eigen::Index i = 0; i < xq.size(); ++i) g.x.push_back(std::int8_t(xq.data()[i]));
  g.w.reserve(k * n);
  for (Eigen::Index kk = 0; kk < K; ++kk)
    for (Eigen::Index j = 0; j < N; ++j) g.w.push_back(std::int8_t(datapath.codes()(j, kk)));

  auto array = rtl::make_systolic_rtl("systolic", r, c);
  if (!trace_path.empty()) array->trace(trace_path);
  const rtl::SystolicGemmResult res = array->gemm(g);
  for (Eigen::Index i = 0; i < M; ++i)
    for (Eigen::Index j = 0; j < N; ++j) {
      const float y = float(res.y[std::size_t(i * N + j)]) * (datapath.scales()(j) * sx[std::size_t(i)]);
      const float want = datapath.output()(i, j);
      rep.mismatches += std::memcmp(&y, &want, sizeof y) != 0;
    }
  rep.outputs = m * n;
  rep.cycles = res.cycles;
  rep.fold_cycles = res.fold_cycles.empty() ? 0 : res.fold_cycles.front();
  for (const auto f : res.fold_cycles) rep.folds_uniform = rep.folds_uniform && f == rep.fold_cycles;
  const GemmCost closed = tpu_gemm(hw, m, k, n);
  rep.closed_form_cycles = closed.total_cycles - closed.stall_cycles;
  rep.closed_form_fold_cycles = std::uint64_t(r + c) + m - 2;
  rep.wall_seconds = res.wall_seconds;
  if (!trace_path.empty())
    write_gtkw(gtkw_path(trace_path), std::filesystem::path(trace_path).filename().string(), array_wave_groups(r, c),
               1e-9 * double(array->edges()));
#else
  (void)hw, (void)m, (void)k, (void)n, (void)seed, (void)trace_path;
#endif
  return rep;
}

}  // namespace ebatch::cli
