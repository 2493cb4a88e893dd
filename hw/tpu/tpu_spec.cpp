// The TPU platform's configuration: `hardware.platform: tpu`. Its own hardware keys, the
// checks that a network fits, its energy vocabulary and its register id. Uses only common/
// and its own config header (this file goes to the ebatch_platform_specs library, which
// the config loader of any program can link without the hw models); the models are
// registered by hw/tpu/tpu_platform.cpp.
#include "common/config_reader.h"
#include "common/experiment.h"
#include "common/platform.h"
#include "common/units.h"
#include "hw/tpu/tpu_config.h"

namespace ebatch {

const EnumTable<TpuWeightPrefetch>& tpu_weight_prefetch_modes() {
  static const EnumTable<TpuWeightPrefetch> t{{TpuWeightPrefetch::off, "off"},
                                              {TpuWeightPrefetch::cross_gemm, "cross_gemm"}};
  return t;
}

namespace {

std::unique_ptr<ConfigExtension> parse(const ConfigSection& s) {
  auto c = std::make_unique<TpuConfig>();
  const ConfigSection array = s.section("array");
  c->rows = int(array.integer("rows", 1, 4096));
  c->cols = int(array.integer("cols", 1, 4096));
  array.finish();
  c->weight_fifo_tiles = int(s.integer("weight_fifo_tiles", 1, 64, 4));
  c->weight_prefetch = s.choice("weight_prefetch", tpu_weight_prefetch_modes(), TpuWeightPrefetch::cross_gemm);
  c->unified_buffer_bytes = s.size("unified_buffer");
  c->accumulator_bytes = s.size("accumulators");
  c->activation_width = int(s.integer("activation_width", 1, 65536, c->cols));
  return c;
}

void check(const HardwareConfig& hw, const NetworkSpec& net, const ConfigSection& hws) {
  const auto& c = hw.config<TpuConfig>();
  const int bytes = bytes_per_value(hw.precision);
  auto fmt = [](double b) { return units::format_size(b); };
  const std::uint64_t act_row = std::uint64_t(net.widest_layer_input() + net.hidden_size) * bytes;
  if (c.unified_buffer_bytes < act_row)
    hws.fail("unified_buffer", fmt(double(c.unified_buffer_bytes)) + " cannot hold one row of activations (" +
                                   fmt(double(act_row)) + ")");
  if (c.accumulator_bytes < std::uint64_t(c.cols) * 4)
    hws.fail("accumulators", fmt(double(c.accumulator_bytes)) + " cannot hold one row of " + std::to_string(c.cols) +
                                 " 32-bit accumulators");
}

const PlatformSpec kSpec{
    "tpu",
    1,
    1,
    {"int8", "bf16", "fp16", "fp32"},
    {
        {"array", {"mac_int8", "mac_bf16", "mac_fp16", "mac_fp32"}, "systolic array: one MAC per PE per cycle"},
        {"weight_fifo", {"read_byte", "write_byte"}, "weight FIFO between DRAM and the array"},
        {"unified_buffer", {"read_byte", "write_byte"}, "activation storage"},
        {"accumulators", {"read_byte", "write_byte"}, "32-bit accumulators below the array"},
        {"activation_unit", {"op", "activation"}, "element-wise ops and sigmoid/tanh"},
        {"dram", {"read_byte", "write_byte"}, "weight memory (DDR3)"},
        {"control", {"register_access", "interrupt"}, "register map, sequencer and interrupt logic"},
    },
    parse,
    check,
};

const PlatformSpecRegistrar kSpecRegistrar{kSpec};

}  // namespace
}  // namespace ebatch
