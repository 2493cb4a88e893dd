#include "hw/tpu/tpu_cost.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "hw/dram_timing.h"

namespace ebatch {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

double GemmCost::utilisation() const {
  return total_cycles ? macs / (double(rows) * double(cols) * double(total_cycles)) : 0.0;
}

GemmCost tpu_gemm(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  GemmCost g;
  const std::uint64_t r = std::uint64_t(hw.config<TpuConfig>().rows), c = std::uint64_t(hw.config<TpuConfig>().cols);
  g.rows = r;
  g.cols = c;
  if (m == 0 || k == 0 || n == 0) return g;
  const std::uint64_t bytes = std::uint64_t(bytes_per_value(hw.precision));
  const std::uint64_t row_folds = ceil_div(k, r), col_folds = ceil_div(n, c);
  g.folds = row_folds * col_folds;
  g.compute_cycles = g.folds * (2 * r + c + m - 2);
  g.macs = double(m) * double(k) * double(n);
  g.weight_bytes = k * n * bytes;
  const double bytes_per_cycle = dram_bytes_per_cycle(hw.dram, hw.frequency_hz);
  const std::uint64_t latency = dram_latency_cycles(hw.dram, hw.frequency_hz);
  const std::uint64_t depth = std::uint64_t(hw.config<TpuConfig>().weight_fifo_tiles);
  const std::uint64_t fold_compute = r + c + m - 2;
  // Pipeline per fold: DRAM fetch into the FIFO, shift into the array, compute.
  std::vector<std::uint64_t> shift_start(g.folds);
  std::uint64_t fetch_end = 0, compute_start_prev = 0, compute_end = 0;
  std::uint64_t i = 0;
  for (std::uint64_t rf = 0; rf < row_folds; ++rf) {
    const std::uint64_t kr = std::min(r, k - rf * r);
    for (std::uint64_t cf = 0; cf < col_folds; ++cf, ++i) {
      const std::uint64_t nc = std::min(c, n - cf * c);
      const auto fetch = std::uint64_t(std::ceil(double(kr * nc * bytes) / bytes_per_cycle));
      std::uint64_t fetch_start = fetch_end;
      if (i >= depth) fetch_start = std::max(fetch_start, shift_start[i - depth]);  // a FIFO slot frees
      fetch_end = fetch_start + fetch + (i == 0 ? latency : 0);
      shift_start[i] = std::max(fetch_end, i ? compute_start_prev : 0);
      const std::uint64_t compute_start = std::max(shift_start[i] + r, compute_end);
      compute_end = compute_start + fold_compute;
      compute_start_prev = compute_start;
      // Each column fold re-reads the inputs of its row fold; K folds accumulate.
      g.ub_read_bytes += double(m * kr * bytes);
      g.acc_write_bytes += double(m * nc * 4);
      if (rf > 0) g.acc_read_bytes += double(m * nc * 4);
    }
  }
  g.total_cycles = compute_end;
  const std::uint64_t ideal = r + g.folds * fold_compute;
  g.stall_cycles = g.total_cycles > ideal ? g.total_cycles - ideal : 0;
  return g;
}

TpuCostModel::TpuCostModel(const HardwareConfig& hw, const NetworkSpec& net)
    : hw_(hw), net_(net), bytes_(bytes_per_value(hw.precision)), cell_ops_(net.cell == CellType::lstm ? 5 : 8) {}

std::uint64_t TpuCostModel::elementwise_cycles(std::uint64_t active) const {
  // Per element: bias and input-part adds per gate, the gate activation, then the cell update.
  const std::uint64_t per_slot = std::uint64_t(net_.hidden_size) * (3 * net_.gates() + cell_ops_);
  return ceil_div(active * per_slot, std::uint64_t(hw_.config<TpuConfig>().activation_width));
}

void TpuCostModel::add_gemm(TpuPassCost& c, std::uint64_t m, std::uint64_t k, std::uint64_t n) const {
  const GemmCost g = tpu_gemm(hw_, m, k, n);
  c.cycles += g.total_cycles;
  c.stall_cycles += g.stall_cycles;
  c.weight_bytes += g.weight_bytes;
  c.fifo_bytes += double(g.weight_bytes);
  c.macs += g.macs;
  c.ub_read_bytes += g.ub_read_bytes;
  c.acc_read_bytes += g.acc_read_bytes;
  c.acc_write_bytes += g.acc_write_bytes;
}

void TpuCostModel::add_direction(const LayerPass& pass, const std::vector<Segment>& segments, std::int64_t span,
                                 TpuPassCost& c) const {
  if (segments.empty()) return;
  const std::uint64_t in = std::uint64_t(net_.layer_input_size(pass.layer));
  const std::uint64_t h = std::uint64_t(net_.hidden_size), g = std::uint64_t(net_.gates());
  std::uint64_t rows = 0;
  for (const auto& s : segments) rows += std::uint64_t(s.end - s.begin);
  add_gemm(c, rows, in, g * h);  // input half over every (slot, step) row of the window
  if (pass.layer == 0) c.input_dram_bytes += rows * in * bytes_;
  c.ub_write_bytes += double(rows * g * h * bytes_);
  std::vector<int> active(std::size_t(span) + 1, 0);
  for (const auto& s : segments) {
    active[std::size_t(s.window_offset)] += 1;
    active[std::size_t(s.window_offset + (s.end - s.begin))] -= 1;
  }
  int b = 0;
  for (std::int64_t t = 0; t < span; ++t) {
    b += active[std::size_t(t)];
    if (b == 0) continue;
    add_gemm(c, std::uint64_t(b), h, g * h);
    c.cycles += elementwise_cycles(std::uint64_t(b));
  }
  c.ub_read_bytes += double(rows * g * h * bytes_);   // input-half results back
  c.ub_write_bytes += double(rows * h * bytes_ * 2);  // h (and c) per step
  c.act_ops += double(rows) * double(h) * double(2 * g + cell_ops_ - 1);
  c.activations += double(rows) * double(h) * double(g + 1);
}

TpuPassCost TpuCostModel::cost(const LayerPass& pass) const {
  TpuPassCost c;
  add_direction(pass, pass.forward, pass.forward_span, c);
  add_direction(pass, pass.backward, pass.backward_span, c);
  if (pass.output_rows > 0) {
    const auto rows = std::uint64_t(pass.output_rows);
    const std::uint64_t width = std::uint64_t(net_.layer_output_size());
    c.output_dram_bytes += rows * width * bytes_;
    if (net_.output.size > 0) {
      add_gemm(c, rows, width, std::uint64_t(net_.output.size));
      c.activations +=
          net_.output.activation == OutputActivation::none ? 0.0 : double(rows * std::uint64_t(net_.output.size));
      c.output_dram_bytes += rows * std::uint64_t(net_.output.size) * bytes_;
    }
  }
  return c;
}

}  // namespace ebatch
