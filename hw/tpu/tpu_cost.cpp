#include "hw/tpu/tpu_cost.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "hw/dram_timing.h"

namespace ebatch {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }

// The pipeline's recurrence, relative to compute_end, and its steady-state steps.
struct GemmPipeline {
  WeightPipeline& s;

  // Everything the next fold reads, relative to compute_end (the ring oldest first), into `v`
  // (its storage reused: this runs for every fold of a transient, GEMM after GEMM).
  void relative(std::uint64_t depth, std::vector<std::uint64_t>& v) const {
    v.resize(std::size_t(depth) + 2);
    v[0] = s.compute_end - s.fetch_end;
    v[1] = s.compute_end - s.compute_start_prev;
    for (std::uint64_t t = 0; t < depth; ++t) v[std::size_t(t) + 2] = s.compute_end - s.ring[(s.i + t) % depth];
  }
  // `q` more folds of a steady state, each `cycles` long.
  void advance(std::uint64_t q, std::uint64_t cycles, std::uint64_t depth) { advance_folds(q, cycles, 1, depth); }
  // `q` more groups of `folds` folds in a steady state, each group `cycles` long.
  void advance_folds(std::uint64_t q, std::uint64_t cycles, std::uint64_t folds, std::uint64_t depth) {
    const std::uint64_t shift = q * cycles;
    // ring'[(j + q * folds) % depth] = ring[j] + shift: a rotation right by q * folds, in place.
    const std::uint64_t right = (q * folds) % depth;
    std::rotate(s.ring.begin(), s.ring.begin() + std::ptrdiff_t((depth - right) % depth), s.ring.end());
    for (auto& slot : s.ring) slot += shift;
    s.fetch_end += shift;
    s.compute_start_prev += shift;
    s.compute_end += shift;
    s.i += q * folds;
  }
};

}  // namespace

double GemmCost::utilisation() const {
  return total_cycles ? macs / (double(rows) * double(cols) * double(total_cycles)) : 0.0;
}

GemmCost tpu_gemm(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n) {
  WeightPipeline empty;
  return tpu_gemm(hw, m, k, n, empty, 0);
}

GemmCost tpu_gemm(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n, WeightPipeline& pipeline,
                  std::uint64_t array_free) {
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
  // Pipeline per fold: DRAM fetch into the FIFO, shift into the array, compute. Only the last
  // `depth` shift starts matter (a fetch waits for the FIFO slot freed `depth` folds earlier),
  // kept in a ring. The recurrence is translation-invariant once past the first `depth` folds,
  // so when a fold leaves the state (relative to compute_end) as the previous identical fold
  // did, every further identical fold adds the same cycles: those are added in one step, for
  // the column folds of a row and for whole row folds. Memory is O(depth) and the time the
  // transient's, whatever M, K and N (the result equals the fold-by-fold loop's exactly).
  // With cross-GEMM prefetch the pipeline goes on from the previous GEMM of the pass (its
  // ring, last fetch and last compute); this GEMM's compute waits for the array (array_free).
  if (pipeline.ring.size() != depth) pipeline.ring.assign(depth, 0);
  const std::uint64_t first_fold = pipeline.i;
  pipeline.compute_end = std::max(pipeline.compute_end, array_free);
  GemmPipeline p{pipeline};
  WeightPipeline& s = pipeline;
  const auto fold = [&](std::uint64_t kr, std::uint64_t nc) {
    const auto fetch = std::uint64_t(std::ceil(double(kr * nc * bytes) / bytes_per_cycle));
    std::uint64_t fetch_start = s.fetch_end;
    std::uint64_t& slot = s.ring[s.i % depth];
    if (s.i >= depth) fetch_start = std::max(fetch_start, slot);  // a FIFO slot frees
    s.fetch_end = fetch_start + fetch + (s.i == first_fold ? latency : 0);
    slot = std::max(s.fetch_end, s.i ? s.compute_start_prev : 0);
    const std::uint64_t compute_start = std::max(slot + r, s.compute_end);
    s.compute_end = compute_start + fold_compute;
    s.compute_start_prev = compute_start;
    ++s.i;
    // Each column fold re-reads the inputs of its row fold; K folds accumulate.
    g.ub_read_bytes += double(m) * double(kr * bytes);
    g.acc_write_bytes += double(m) * double(nc * 4);
  };
  const std::uint64_t last_nc = n - (col_folds - 1) * c;
  // Relative states compared for the steady state (storage kept for the whole GEMM).
  std::vector<std::uint64_t> prev, now, prev_row;
  const auto row = [&](std::uint64_t rf) {
    const std::uint64_t kr = std::min(r, k - rf * r);
    prev.clear();  // relative state after the previous full column fold
    for (std::uint64_t cf = 0; cf + 1 < col_folds; ++cf) {
      const std::uint64_t before = s.compute_end;
      fold(kr, c);
      if (s.i <= depth + 1) continue;
      p.relative(depth, now);
      if (now == prev) {  // steady state: the remaining full column folds of this row at once
        const std::uint64_t q = col_folds - 2 - cf;
        p.advance(q, s.compute_end - before, depth);
        g.ub_read_bytes += double(q) * double(m) * double(kr * bytes);
        g.acc_write_bytes += double(q) * double(m) * double(c * 4);
        break;
      }
      prev.swap(now);
    }
    fold(kr, last_nc);
    if (rf > 0) g.acc_read_bytes += double(m) * double(n * 4);
  };
  const std::uint64_t full_rows = k / r;  // row folds of r rows (the last may be partial)
  for (std::uint64_t rf = 0; rf < row_folds; ++rf) {
    const std::uint64_t before = s.compute_end, i_before = s.i;
    const double ub = g.ub_read_bytes, aw = g.acc_write_bytes, ar = g.acc_read_bytes;
    row(rf);
    if (rf < 2 || rf + 1 >= full_rows || s.i <= depth + 1) {
      if (rf >= 1 && s.i > depth + 1) p.relative(depth, prev_row);
      continue;
    }
    p.relative(depth, now);
    if (now == prev_row) {  // steady state: the remaining full row folds at once
      const std::uint64_t q = full_rows - 1 - rf;
      p.advance_folds(q, s.compute_end - before, s.i - i_before, depth);
      g.ub_read_bytes += double(q) * (g.ub_read_bytes - ub);
      g.acc_write_bytes += double(q) * (g.acc_write_bytes - aw);
      g.acc_read_bytes += double(q) * (g.acc_read_bytes - ar);
      rf += q;
      continue;
    }
    prev_row.swap(now);
  }
  g.total_cycles = s.compute_end - array_free;
  const std::uint64_t ideal = (first_fold == 0 ? r : 0) + g.folds * fold_compute;
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

GemmCost TpuCostModel::chained_gemm(std::uint64_t m, std::uint64_t k, std::uint64_t n, WeightPipeline& s,
                                    std::uint64_t array_free) const {
  const std::uint64_t depth = std::uint64_t(hw_.config<TpuConfig>().weight_fifo_tiles);
  // Before depth + 1 folds the recurrence still reads the fold count (an empty FIFO, the
  // first fold's start): worked out as it is.
  if (!memo_on_ || s.i <= depth + 1 || s.ring.size() != depth) return tpu_gemm(hw_, m, k, n, s, array_free);
  const std::uint64_t base = std::max(s.compute_end, array_free);
  // Differences are taken modulo 2^64: exact, whatever their sign.
  key_.resize(std::size_t(depth) + 6);
  key_[0] = m, key_[1] = k, key_[2] = n, key_[3] = base - array_free;
  key_[4] = base - s.fetch_end, key_[5] = base - s.compute_start_prev;
  for (std::uint64_t t = 0; t < depth; ++t) key_[std::size_t(t) + 6] = base - s.ring[(s.i + t) % depth];
  std::uint64_t hash = 1469598103934665603ull;
  for (const std::uint64_t v : key_) hash = (hash ^ v) * 1099511628211ull;
  if (gemm_memo_.empty()) gemm_memo_.resize(1024);
  GemmMemoEntry& e = gemm_memo_[hash % gemm_memo_.size()];
  if (e.key == key_) {
    ++memo_hits_;
    s.fetch_end = base + e.after[0];
    s.compute_start_prev = base + e.after[1];
    s.compute_end = base + e.after[2];
    s.i += e.folds;
    for (std::uint64_t t = 0; t < depth; ++t) s.ring[(s.i + t) % depth] = base + e.after[std::size_t(t) + 3];
    return e.cost;
  }
  const std::uint64_t i_before = s.i;
  const GemmCost g = tpu_gemm(hw_, m, k, n, s, array_free);
  e.key = key_;
  e.cost = g;
  e.folds = s.i - i_before;
  e.after.resize(std::size_t(depth) + 3);
  e.after[0] = s.fetch_end - base, e.after[1] = s.compute_start_prev - base, e.after[2] = s.compute_end - base;
  for (std::uint64_t t = 0; t < depth; ++t) e.after[std::size_t(t) + 3] = s.ring[(s.i + t) % depth] - base;
  return g;
}

void TpuCostModel::add_gemm(TpuPassCost& c, std::uint64_t m, std::uint64_t k, std::uint64_t n,
                            WeightPipeline* chain) const {
  if (m == 0 || k == 0 || n == 0) return;
  const GemmCost g = chain ? chained_gemm(m, k, n, *chain, c.cycles) : tpu_gemm(hw_, m, k, n);
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
                                 TpuPassCost& c, WeightPipeline* chain) const {
  if (segments.empty()) return;
  const std::uint64_t in = std::uint64_t(net_.layer_input_size(pass.layer));
  const std::uint64_t h = std::uint64_t(net_.hidden_size), g = std::uint64_t(net_.gates());
  std::uint64_t rows = 0;
  for (const auto& s : segments) rows += std::uint64_t(s.end - s.begin);
  add_gemm(c, rows, in, g * h, chain);  // input half over every (slot, step) row of the window
  if (net_.reads_input(pass.layer)) c.input_dram_bytes += rows * in * bytes_;
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
    add_gemm(c, std::uint64_t(b), h, g * h, chain);
    c.cycles += elementwise_cycles(std::uint64_t(b));
  }
  c.ub_read_bytes += double(rows * g * h * bytes_);   // input-half results back
  c.ub_write_bytes += double(rows * h * bytes_ * 2);  // h (and c) per step
  c.act_ops += double(rows) * double(h) * double(2 * g + cell_ops_ - 1);
  c.activations += double(rows) * double(h) * double(g + 1);
}

TpuPassCost TpuCostModel::cost(const LayerPass& pass) const {
  TpuPassCost c;
  WeightPipeline pipeline;  // the pass's GEMMs in order, with cross-GEMM prefetch
  WeightPipeline* chain =
      hw_.config<TpuConfig>().weight_prefetch == TpuWeightPrefetch::cross_gemm ? &pipeline : nullptr;
  add_direction(pass, pass.forward, pass.forward_span, c, chain);
  add_direction(pass, pass.backward, pass.backward_span, c, chain);
  if (pass.output_rows > 0) {
    const auto rows = std::uint64_t(pass.output_rows);
    const std::uint64_t width = std::uint64_t(net_.layer_output_size());
    c.output_dram_bytes += rows * width * bytes_;
    if (net_.output.size > 0) {
      add_gemm(c, rows, width, std::uint64_t(net_.output.size), chain);
      c.activations +=
          net_.output.activation == OutputActivation::none ? 0.0 : double(rows * std::uint64_t(net_.output.size));
      c.output_dram_bytes += rows * std::uint64_t(net_.output.size) * bytes_;
    }
  }
  return c;
}

}  // namespace ebatch
