// E-PUR's timing and weight sizes written out from the model documented in
// hw/epur/epur_cost.h, independently of EpurCostModel, for the tests to compare with.
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/experiment.h"
#include "hw/epur/epur_config.h"

namespace ebatch::test {

struct EpurClosedForm {
  std::uint64_t cus, w, m, bytes, gates, hidden, rows_per_cu, latency, cell_ops;
  NetworkSpec net;

  static std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

  EpurClosedForm(const HardwareConfig& hw, const NetworkSpec& n)
      : cus(std::uint64_t(hw.config<EpurConfig>().compute_units)),
        w(std::uint64_t(hw.config<EpurConfig>().dot_product_width)),
        m(std::uint64_t(hw.config<EpurConfig>().mfu_width)),
        bytes(std::uint64_t(bytes_per_value(hw.precision))),
        gates(n.cell == CellType::lstm ? 4 : 3),
        hidden(std::uint64_t(n.hidden_size)),
        rows_per_cu(ceil_div(gates * hidden, cus)),
        latency(0),
        cell_ops(n.cell == CellType::lstm ? 5 : 8),
        net(n) {
    // ceil(log2 w) + 2
    std::uint64_t k = 0;
    while ((std::uint64_t(1) << k) < w) ++k;
    latency = k + 2;
  }

  std::uint64_t input_size(int layer) const {
    const std::uint64_t out = net.bidirectional && net.merge == DirectionMerge::concat ? 2 * hidden : hidden;
    return layer == 0 ? std::uint64_t(net.input_size) : out;
  }
  std::uint64_t output_width() const { return input_size(1); }

  // rows * ceil(G*H/CUs) * ceil(I/w) + latency
  std::uint64_t input_half(int layer, std::uint64_t rows) const {
    return rows == 0 ? 0 : rows * rows_per_cu * ceil_div(input_size(layer), w) + latency;
  }
  // max(b*rpc*ceil(H/w), ceil(b*rpc*3/m)) + latency + ceil(b*H*cell_ops/(CUs*m))
  std::uint64_t recurrent_step(std::uint64_t b) const {
    if (b == 0) return 0;
    return std::max(b * rows_per_cu * ceil_div(hidden, w), ceil_div(b * rows_per_cu * 3, m)) + latency +
           ceil_div(b * hidden * cell_ops, cus * m);
  }
  // The dense output layer: ceil(O/CUs) rows per CU against the last layer's output.
  std::uint64_t output_layer(std::uint64_t rows) const {
    if (rows == 0 || net.output.size == 0) return 0;
    return rows * ceil_div(std::uint64_t(net.output.size), cus) * ceil_div(output_width(), w) + latency;
  }
  // One CU's share of a layer: rows_per_cu x (I + H + 2 biases) per direction.
  std::uint64_t layer_bytes_per_cu(int layer) const {
    return rows_per_cu * (input_size(layer) + hidden + 2) * std::uint64_t(net.directions()) * bytes;
  }
  std::uint64_t output_bytes_per_cu() const {
    return net.output.size == 0 ? 0 : ceil_div(std::uint64_t(net.output.size), cus) * (output_width() + 1) * bytes;
  }
  // Every layer's weights (all CUs) plus the output layer's.
  std::uint64_t network_weight_bytes() const {
    std::uint64_t total = output_bytes_per_cu();
    for (int l = 0; l < net.num_layers; ++l) total += layer_bytes_per_cu(l);
    return total * cus;
  }
  // Compute cycles of one sequence of `steps` run alone, one pass per layer.
  std::uint64_t sequence_cycles(std::uint64_t steps) const {
    std::uint64_t c = output_layer(steps);
    for (int l = 0; l < net.num_layers; ++l)
      c += std::uint64_t(net.directions()) * (input_half(l, steps) + steps * recurrent_step(1));
    return c;
  }
};

}  // namespace ebatch::test
