// E-PUR's own keys of the hardware section (hardware.compute_units, ...).
#pragma once

#include <cstdint>

#include "common/enum_table.h"
#include "common/registry.h"

namespace ebatch {

// How a layer's weights come from DRAM into the weight buffers (hardware.weight_streaming).
enum class WeightStreaming : std::uint8_t {
  serial,      // the whole load before compute starts
  overlapped,  // chunked and double-buffered: only the first chunk's load is exposed
};
// Whether the next layer of a command is loaded while the current one computes (hardware.weight_prefetch).
enum class WeightPrefetch : std::uint8_t { off, next_layer };

inline const EnumTable<WeightStreaming>& weight_streaming_modes() {
  static const EnumTable<WeightStreaming> t{{WeightStreaming::serial, "serial"},
                                            {WeightStreaming::overlapped, "overlapped"}};
  return t;
}
inline const EnumTable<WeightPrefetch>& weight_prefetch_modes() {
  static const EnumTable<WeightPrefetch> t{{WeightPrefetch::off, "off"}, {WeightPrefetch::next_layer, "next_layer"}};
  return t;
}

// E-PUR (Silfa et al., PACT 2018): one compute unit per gate.
struct EpurConfig : ConfigExtensionOf<EpurConfig> {
  int compute_units = 4;
  int dot_product_width = 16;             // MACs per cycle per compute unit and lane
  int dot_product_lanes = 1;              // input vectors one weight fetch is applied to in parallel
  int mfu_width = 1;                      // element-wise operations per cycle per compute unit
  std::uint64_t weight_buffer_bytes = 0;  // per compute unit
  std::uint64_t input_buffer_bytes = 0;   // per compute unit
  std::uint64_t intermediate_memory_bytes = 0;
  WeightStreaming weight_streaming = WeightStreaming::serial;
  WeightPrefetch weight_prefetch = WeightPrefetch::off;
};

}  // namespace ebatch
