// DRAM timing in one place: what a transfer costs on the channel that hw/dram.h models
// (one channel, a fixed access latency, a fixed bandwidth). The timed Dram, the pass plans'
// estimates (hw/pass_plan.h) and the TPU's cycle-level closed form all read these.
// Ignores: banks, rows, refresh, read/write turnaround (as hw/dram.h does).
#pragma once

#include <cmath>
#include <cstdint>

#include "common/experiment.h"

namespace ebatch {

// Seconds the channel is occupied moving `bytes` (bytes / bandwidth).
inline double dram_occupancy_seconds(const DramConfig& dram, std::uint64_t bytes) {
  return double(bytes) / dram.bandwidth_bytes_per_s;
}

// Seconds one transfer of `bytes` takes on an idle channel: latency + bytes / bandwidth.
inline double dram_transfer_seconds(const DramConfig& dram, std::uint64_t bytes) {
  return dram.latency_s + dram_occupancy_seconds(dram, bytes);
}

// The same channel in accelerator cycles, for cycle-level closed forms.
inline double dram_bytes_per_cycle(const DramConfig& dram, double frequency_hz) {
  return dram.bandwidth_bytes_per_s / frequency_hz;
}
inline std::uint64_t dram_latency_cycles(const DramConfig& dram, double frequency_hz) {
  return std::uint64_t(std::ceil(dram.latency_s * frequency_hz));
}

}  // namespace ebatch
