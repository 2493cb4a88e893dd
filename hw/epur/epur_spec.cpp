// The E-PUR platform's configuration: `hardware.platform: epur`. Its own hardware keys, the
// checks that a network fits, its energy vocabulary and its register id. Uses only common/
// and its own config header (this file goes to the ebatch_platform_specs library, which
// the config loader of any program can link without the hw models); the models are
// registered by hw/epur/epur_platform.cpp.
#include "common/config_reader.h"
#include "common/experiment.h"
#include "common/platform.h"
#include "common/units.h"
#include "hw/epur/epur_config.h"

namespace ebatch {
namespace {

std::unique_ptr<ConfigExtension> parse(const ConfigSection& s) {
  auto c = std::make_unique<EpurConfig>();
  c->compute_units = int(s.integer("compute_units", 1, 64, 4));
  c->dot_product_width = int(s.integer("dot_product_width", 1, 4096, 16));
  c->dot_product_lanes = int(s.integer("dot_product_lanes", 1, 64, 1));
  c->mfu_width = int(s.integer("mfu_width", 1, 4096, 1));
  c->weight_buffer_bytes = s.size("weight_buffer");
  c->input_buffer_bytes = s.size("input_buffer");
  c->intermediate_memory_bytes = s.size("intermediate_memory");
  c->weight_streaming = s.choice("weight_streaming", weight_streaming_modes(), WeightStreaming::overlapped);
  c->weight_prefetch = s.choice("weight_prefetch", weight_prefetch_modes(), WeightPrefetch::next_layer);
  return c;
}

void check(const HardwareConfig& hw, const NetworkSpec& net, const ConfigSection& hws) {
  const auto& c = hw.config<EpurConfig>();
  const int bytes = bytes_per_value(hw.precision);
  const int widest_input = net.widest_layer_input();
  const std::uint64_t row_bytes = std::uint64_t(widest_input + net.hidden_size) * bytes;
  auto fmt = [](double b) { return units::format_size(b); };
  if (c.compute_units < net.gates())
    hws.fail("compute_units", std::string(to_string(net.cell)) + " network '" + net.name + "' needs " +
                                  std::to_string(net.gates()) + " compute units (one per gate), hardware has " +
                                  std::to_string(c.compute_units));
  if (c.weight_buffer_bytes < row_bytes)
    hws.fail("weight_buffer", fmt(double(c.weight_buffer_bytes)) + " is smaller than one row of weights of network '" +
                                  net.name + "' (" + fmt(double(row_bytes)) + ")");
  // Overlapped streaming double-buffers a layer that does not fit: two rows in flight.
  if (c.weight_streaming == WeightStreaming::overlapped && c.weight_buffer_bytes < 2 * row_bytes)
    hws.fail("weight_streaming", "overlapped needs room for two rows of weights of network '" + net.name + "' (" +
                                     fmt(double(2 * row_bytes)) + "), weight_buffer is " +
                                     fmt(double(c.weight_buffer_bytes)));
  const std::uint64_t input_bytes = std::uint64_t(std::max(widest_input, net.hidden_size)) * bytes;
  if (c.input_buffer_bytes < input_bytes)
    hws.fail("input_buffer", fmt(double(c.input_buffer_bytes)) + " cannot hold one input vector of network '" +
                                 net.name + "' (" + fmt(double(input_bytes)) + ")");
  // Every lane works on its own input vector, held in the input buffer while the rows go by.
  const std::uint64_t lanes = std::uint64_t(c.dot_product_lanes);
  if (lanes > 1 && c.input_buffer_bytes < lanes * input_bytes)
    hws.fail("dot_product_lanes", std::to_string(lanes) + " lanes need " + std::to_string(lanes) +
                                      " input vectors of network '" + net.name + "' in the input buffer (" +
                                      fmt(double(lanes * input_bytes)) + "), input_buffer is " +
                                      fmt(double(c.input_buffer_bytes)));
  const std::uint64_t state_bytes = std::uint64_t(net.layer_output_size()) * 2 * bytes;
  if (c.intermediate_memory_bytes < state_bytes)
    hws.fail("intermediate_memory", fmt(double(c.intermediate_memory_bytes)) +
                                        " cannot hold one step's state of network '" + net.name + "' (" +
                                        fmt(double(state_bytes)) + ")");
}

// Memories count bytes moved; arithmetic counts operations.
const PlatformSpec kSpec{
    "epur",
    0,
    0,
    {"fp16", "fp32"},
    {
        {"dpu", {"mac_fp16", "mac_fp32"}, "dot-product units: one multiply-accumulate per lane"},
        {"mfu",
         {"op_fp16", "op_fp32", "activation_fp16", "activation_fp32"},
         "multifunctional units: element-wise add/multiply, sigmoid/tanh"},
        {"weight_buffer", {"read_byte", "write_byte"}, "per-unit weight buffers"},
        {"input_buffer", {"read_byte", "write_byte"}, "per-unit input buffers"},
        {"intermediate_memory", {"read_byte", "write_byte"}, "shared intermediate memory"},
        {"dram", {"read_byte", "write_byte"}, "main memory (LPDDR4)"},
        {"control", {"register_access", "interrupt"}, "register map, sequencer and interrupt logic"},
    },
    parse,
    check,
};

const PlatformSpecRegistrar kSpecRegistrar{kSpec};

}  // namespace
}  // namespace ebatch
