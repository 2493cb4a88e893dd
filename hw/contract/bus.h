// The host's view of an accelerator: a register bus (the register map,
// hw/contract/register_map.h) and a memory bus (the DRAM the accelerator reads
// and writes). Host software knows the accelerator only through these and the
// interrupt line. TLM-2.0 sockets are one implementation (hw/contract/tlm_bus.h);
// tests use fakes; an RTL co-simulation would be another.
//
// Timed accesses follow TLM-2.0 loosely-timed conventions: `delay` is the
// initiator's local time offset on entry and the time the access completes on
// return. Debug accesses take no time and count no energy; a driver uses them
// at probe time, before any measurement starts.
#pragma once

#include <cstdint>
#include <systemc>

namespace ebatch {

class RegisterBus {
 public:
  virtual ~RegisterBus() = default;
  // false: the access failed (an error response).
  virtual bool read32(std::uint32_t address, std::uint32_t& value, sc_core::sc_time& delay) = 0;
  virtual bool write32(std::uint32_t address, std::uint32_t value, sc_core::sc_time& delay) = 0;
  // Untimed, no side effects beyond the register's value; false if the target refuses.
  virtual bool debug_read32(std::uint32_t address, std::uint32_t& value) = 0;
  virtual bool debug_write32(std::uint32_t address, std::uint32_t value) = 0;
};

class MemoryBus {
 public:
  virtual ~MemoryBus() = default;
  // One timed burst of `bytes` (at most what the target takes in one transaction).
  virtual bool transfer(bool write, std::uint64_t address, unsigned char* data, std::uint64_t bytes,
                        sc_core::sc_time& delay) = 0;
  // Untimed: moves functional values; false unless all `bytes` moved.
  virtual bool debug_transfer(bool write, std::uint64_t address, void* data, std::uint64_t bytes) = 0;
};

}  // namespace ebatch
