#include "hw/epur/epur_cost.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace ebatch {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

EpurCostModel::EpurCostModel(const HardwareConfig& hw, const NetworkSpec& net)
    : hw_(hw),
      net_(net),
      bytes_(bytes_per_value(hw.precision)),
      cus_(hw.config<EpurConfig>().compute_units),
      width_(hw.config<EpurConfig>().dot_product_width),
      lanes_(hw.config<EpurConfig>().dot_product_lanes),
      mfu_width_(hw.config<EpurConfig>().mfu_width),
      rows_per_cu_(int(ceil_div(std::uint64_t(net.gates()) * net.hidden_size,
                                std::uint64_t(hw.config<EpurConfig>().compute_units)))),
      dpu_latency_(int(std::ceil(std::log2(double(hw.config<EpurConfig>().dot_product_width)))) + 2),
      cell_ops_(net.cell == CellType::lstm ? 5 : 8),
      streaming_(hw.config<EpurConfig>().weight_streaming),
      prefetch_(hw.config<EpurConfig>().weight_prefetch),
      capacity_(hw.config<EpurConfig>().weight_buffer_bytes),
      input_buffer_(hw.config<EpurConfig>().input_buffer_bytes) {}

std::uint64_t EpurCostModel::input_half_cycles(int layer, std::int64_t rows) const {
  if (rows <= 0) return 0;
  return ceil_div(std::uint64_t(rows), lanes_) * rows_per_cu_ *
             ceil_div(std::uint64_t(net_.layer_input_size(layer)), width_) +
         dpu_latency_;
}

std::uint64_t EpurCostModel::recurrent_step_cycles(int active) const {
  if (active <= 0) return 0;
  const std::uint64_t dpu = ceil_div(std::uint64_t(active), lanes_) * rows_per_cu_ * ceil_div(net_.hidden_size, width_);
  const std::uint64_t mfu_gates = ceil_div(std::uint64_t(active) * rows_per_cu_ * 3, mfu_width_);
  const std::uint64_t cell =
      ceil_div(std::uint64_t(active) * net_.hidden_size * cell_ops_, std::uint64_t(cus_) * mfu_width_);
  return std::max(dpu, mfu_gates) + dpu_latency_ + cell;
}

std::uint64_t EpurCostModel::output_layer_cycles(std::int64_t rows) const {
  if (rows <= 0 || net_.output.size == 0) return 0;
  return ceil_div(std::uint64_t(rows), lanes_) * ceil_div(net_.output.size, cus_) *
             ceil_div(net_.layer_output_size(), width_) +
         dpu_latency_;
}

std::uint64_t EpurCostModel::layer_bytes_per_cu(int layer) const {
  const std::uint64_t per_dir = std::uint64_t(rows_per_cu_) * (net_.layer_input_size(layer) + net_.hidden_size + 2);
  return per_dir * net_.directions() * bytes_;
}

std::uint64_t EpurCostModel::output_layer_bytes_per_cu() const {
  return ceil_div(net_.output.size, cus_) * std::uint64_t(net_.layer_output_size() + 1) * bytes_;
}

std::uint64_t EpurCostModel::make_resident(int id, std::uint64_t bytes) {
  for (auto it = resident_.begin(); it != resident_.end(); ++it) {
    if (it->first == id) {
      resident_.splice(resident_.begin(), resident_, it);
      return 0;
    }
  }
  if (bytes > capacity_) {
    resident_.clear();  // streaming uses the whole buffer
    return bytes;
  }
  std::uint64_t used = 0;
  for (const auto& r : resident_) used += r.second;
  while (!resident_.empty() && used + bytes > capacity_) {
    used -= resident_.back().second;
    resident_.pop_back();
  }
  resident_.emplace_front(id, bytes);
  return bytes;
}

bool DirectionCost::operator==(const DirectionCost& o) const {
  return input_half_cycles == o.input_half_cycles && recurrent_cycles == o.recurrent_cycles &&
         overlap_cycles == o.overlap_cycles && weight_stream_bytes == o.weight_stream_bytes &&
         input_dram_bytes == o.input_dram_bytes && macs == o.macs && wb_read_bytes == o.wb_read_bytes &&
         ib_write_bytes == o.ib_write_bytes && ib_read_bytes == o.ib_read_bytes && im_read_bytes == o.im_read_bytes &&
         im_write_bytes == o.im_write_bytes && mfu_ops == o.mfu_ops && mfu_activations == o.mfu_activations;
}

std::uint64_t EpurCostModel::step_cycles(int active, bool cached) const {
  if (!cached) return recurrent_step_cycles(active);
  if (std::size_t(active) >= step_memo_.size()) step_memo_.resize(std::size_t(active) + 1, 0);
  std::uint64_t& m = step_memo_[std::size_t(active)];
  if (m == 0) m = recurrent_step_cycles(active);  // > 0 for active >= 1
  return m;
}

DirectionCost EpurCostModel::direction_closed_form(int layer, std::int64_t rows,
                                                   const std::pair<std::int64_t, int>* runs, std::size_t n_runs,
                                                   std::uint64_t u_overflow_per_cu, bool cached) const {
  DirectionCost c;
  const std::uint64_t in = std::uint64_t(net_.layer_input_size(layer));
  const std::uint64_t h = std::uint64_t(net_.hidden_size);
  const std::uint64_t g = std::uint64_t(net_.gates());
  // Input half: one GEMM over every (slot, step) row of the pass.
  const auto urows = std::uint64_t(rows);
  c.input_half_cycles = input_half_cycles(layer, rows);
  const std::uint64_t reuse_in = std::max<std::uint64_t>(lanes_, input_buffer_ / (in * bytes_));
  c.wb_read_bytes = double(cus_) * rows_per_cu_ * in * bytes_ * double(ceil_div(urows, reuse_in));
  c.ib_write_bytes = double(cus_) * urows * in * bytes_;
  c.ib_read_bytes = double(cus_) * urows * rows_per_cu_ * in * bytes_;
  c.macs = double(urows) * g * h * in;
  c.mfu_ops = double(urows) * g * h;  // bias add
  if (net_.reads_input(layer))
    c.input_dram_bytes = urows * in * bytes_;
  else
    c.im_read_bytes = double(urows) * in * bytes_;
  c.im_write_bytes = double(urows) * g * h * bytes_;  // W x_t + b kept for the recurrence
  // Recurrence: lockstep over the slots active at each step, a run of equal counts at a time.
  const std::uint64_t reuse_h = std::max<std::uint64_t>(lanes_, input_buffer_ / (h * bytes_));
  for (std::size_t i = 0; i < n_runs; ++i) {
    const auto [steps, b] = runs[i];
    const auto ub = std::uint64_t(b), n = std::uint64_t(steps);
    const std::uint64_t step = step_cycles(b, cached);
    if (c.recurrent_cycles == 0) c.overlap_cycles = step;  // the first step reads U as it arrives
    c.recurrent_cycles += n * step;
    c.wb_read_bytes += double(n) * (double(cus_) * rows_per_cu_ * h * bytes_ * double(ceil_div(ub, reuse_h)));
    c.weight_stream_bytes += n * (u_overflow_per_cu * cus_);
  }
  c.macs += double(urows) * g * h * h;
  c.ib_write_bytes += double(cus_) * urows * h * bytes_;  // h_{t-1} into every CU
  c.ib_read_bytes += double(cus_) * urows * rows_per_cu_ * h * bytes_;
  c.im_read_bytes += double(urows) * g * h * bytes_;                                       // W x_t + b back
  c.im_read_bytes += double(urows) * h * bytes_ * (net_.cell == CellType::lstm ? 2 : 1);   // state
  c.im_write_bytes += double(urows) * h * bytes_ * (net_.cell == CellType::lstm ? 2 : 1);  // state/outputs
  c.mfu_ops += double(urows) * g * h * 2 + double(urows) * h * (cell_ops_ - 1);
  c.mfu_activations += double(urows) * g * h + double(urows) * h;
  return c;
}

DirectionCost EpurCostModel::direction_cost(int layer, const std::vector<Segment>& segments, std::int64_t span,
                                            std::uint64_t u_overflow_per_cu, bool cached) const {
  if (segments.empty()) return DirectionCost{};
  bool rectangular = true;
  std::int64_t rows = 0;
  for (const auto& s : segments) {
    rows += s.end - s.begin;
    rectangular = rectangular && s.window_offset == 0 && s.end - s.begin == span;
  }
  if (rectangular) {
    // Every segment active at every step: one run; memoised per (layer, segments, span).
    const int n = int(segments.size());
    const std::pair<std::int64_t, int> run{span, n};
    if (!cached || span <= 0)
      return direction_closed_form(layer, rows, &run, span > 0 ? 1 : 0, u_overflow_per_cu, cached);
    const std::size_t key =
        (std::size_t(layer) * 131 + std::size_t(n) * 31 + std::size_t(span) * 7 + std::size_t(u_overflow_per_cu)) %
        memo_.size();
    MemoEntry& m = memo_[key];
    if (m.layer != layer || m.segments != n || m.span != span || m.u_overflow != u_overflow_per_cu) {
      m.layer = layer;
      m.segments = n;
      m.span = span;
      m.u_overflow = u_overflow_per_cu;
      m.cost = direction_closed_form(layer, rows, &run, 1, u_overflow_per_cu, cached);
    }
    return m.cost;
  }
  // The active count changes only where a segment starts or ends: sweep those points in order.
  events_.clear();
  for (const auto& s : segments) {
    events_.push_back({s.window_offset, 1});
    events_.push_back({s.window_offset + (s.end - s.begin), -1});
  }
  std::sort(events_.begin(), events_.end());
  runs_.clear();
  int b = 0;
  for (std::size_t i = 0; i < events_.size();) {
    const std::int64_t t = events_[i].first;
    if (t >= span) break;
    while (i < events_.size() && events_[i].first == t) b += events_[i++].second;
    const std::int64_t next = i < events_.size() ? std::min(events_[i].first, span) : span;
    if (b > 0 && next > t) runs_.push_back({next - t, b});
  }
  return direction_closed_form(layer, rows, runs_.data(), runs_.size(), u_overflow_per_cu, cached);
}

void EpurCostModel::add_direction(const LayerPass& pass, const std::vector<Segment>& segments, std::int64_t span,
                                  PassCost& c, std::uint64_t u_overflow_per_cu) const {
  if (segments.empty()) return;
  const DirectionCost d = direction_cost(pass.layer, segments, span, u_overflow_per_cu);
  c.overlap_cycles += d.overlap_cycles;  // the direction's first recurrent step
  c.input_half_cycles += d.input_half_cycles;
  c.recurrent_cycles += d.recurrent_cycles;
  c.weight_stream_bytes += d.weight_stream_bytes;
  c.input_dram_bytes += d.input_dram_bytes;
  c.macs += d.macs;
  c.wb_read_bytes += d.wb_read_bytes;
  c.ib_write_bytes += d.ib_write_bytes;
  c.ib_read_bytes += d.ib_read_bytes;
  c.im_read_bytes += d.im_read_bytes;
  c.im_write_bytes += d.im_write_bytes;
  c.mfu_ops += d.mfu_ops;
  c.mfu_activations += d.mfu_activations;
}

PassCost EpurCostModel::cost(const LayerPass& pass) {
  PassCost c;
  const int layer = pass.layer;
  const std::uint64_t per_cu = layer_bytes_per_cu(layer);
  std::uint64_t u_overflow = 0, output_load = 0;
  if (!pass.empty()) {
    const std::uint64_t loaded = make_resident(layer, per_cu);
    c.weight_load_bytes += loaded * cus_;
    if (per_cu > capacity_) {
      // Streamed: per direction, U stays while W streams through; U beyond capacity is re-read each step.
      const std::uint64_t u_per_dir = std::uint64_t(rows_per_cu_) * net_.hidden_size * bytes_;
      u_overflow = u_per_dir > capacity_ ? u_per_dir - capacity_ : 0;
    }
  }
  add_direction(pass, pass.forward, pass.forward_span, c, u_overflow);
  add_direction(pass, pass.backward, pass.backward_span, c, u_overflow);
  if (pass.output_rows > 0) {
    const auto rows = std::uint64_t(pass.output_rows);
    const std::uint64_t out_width = std::uint64_t(net_.layer_output_size());
    c.output_dram_bytes += rows * out_width * bytes_;
    if (net_.output.size > 0) {
      const std::uint64_t fc = std::uint64_t(net_.output.size);
      output_load = make_resident(net_.num_layers, output_layer_bytes_per_cu()) * cus_;
      c.weight_load_bytes += output_load;
      c.output_layer_cycles += output_layer_cycles(pass.output_rows);
      c.macs += double(rows) * fc * out_width;
      const std::uint64_t reuse = std::max<std::uint64_t>(lanes_, input_buffer_ / (out_width * bytes_));
      c.wb_read_bytes += double(fc) * out_width * bytes_ * double(ceil_div(rows, reuse));
      c.ib_write_bytes += double(cus_) * rows * out_width * bytes_;
      c.ib_read_bytes += double(rows) * fc * out_width * bytes_;
      c.im_read_bytes += double(rows) * out_width * bytes_;
      c.mfu_ops += double(rows) * fc;
      c.mfu_activations += net_.output.activation == OutputActivation::none ? 0.0 : double(rows) * fc;
      c.output_dram_bytes += rows * fc * bytes_;
    }
  }
  if (prefetch_ == WeightPrefetch::next_layer && !pass.empty() && layer < pass.last_layer && per_cu <= capacity_) {
    // Room beyond the current layer (which stays, most recent but one) for the next one.
    const std::uint64_t next = layer_bytes_per_cu(layer + 1);
    if (per_cu + next <= capacity_) c.prefetch_bytes = make_resident(layer + 1, next) * cus_;
  }
  if (streaming_ == WeightStreaming::overlapped && c.weight_load_bytes > 0) {
    // One row per CU (of this layer, or of the output layer when only that one is loaded).
    const std::uint64_t row_per_cu = c.weight_load_bytes > output_load
                                         ? per_cu / (std::uint64_t(rows_per_cu_) * net_.directions())
                                         : std::uint64_t(net_.layer_output_size() + 1) * bytes_;
    c.first_chunk_bytes = std::min(c.weight_load_bytes, row_per_cu * cus_);
    c.overlap_cycles += c.input_half_cycles + c.output_layer_cycles;
  } else {
    c.overlap_cycles = 0;
  }
  c.dpu_busy_cycles = c.macs / width_;
  c.wb_write_bytes = double(c.weight_load_bytes + c.weight_stream_bytes + c.prefetch_bytes);
  return c;
}

}  // namespace ebatch
