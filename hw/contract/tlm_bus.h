// The register and memory buses (hw/contract/bus.h) over TLM-2.0: two initiator
// sockets, one to the accelerator's register target, one to the DRAM. Every
// timed access is one b_transport; debug accesses use transport_dbg.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>
#include <tlm>

#include "hw/contract/bus.h"

namespace ebatch {

class TlmHostBus : public sc_core::sc_module, public RegisterBus, public MemoryBus {
 public:
  tlm_utils::simple_initiator_socket<TlmHostBus> reg_socket;
  tlm_utils::simple_initiator_socket<TlmHostBus> mem_socket;

  explicit TlmHostBus(sc_core::sc_module_name name);

  bool read32(std::uint32_t address, std::uint32_t& value, sc_core::sc_time& delay) override {
    return access_reg(false, address, value, delay);
  }
  bool write32(std::uint32_t address, std::uint32_t value, sc_core::sc_time& delay) override {
    return access_reg(true, address, value, delay);
  }
  bool debug_read32(std::uint32_t address, std::uint32_t& value) override;
  bool debug_write32(std::uint32_t address, std::uint32_t value) override;
  bool transfer(bool write, std::uint64_t address, unsigned char* data, std::uint64_t bytes,
                sc_core::sc_time& delay) override;
  bool debug_transfer(bool write, std::uint64_t address, void* data, std::uint64_t bytes) override;

 private:
  bool access_reg(bool write, std::uint32_t address, std::uint32_t& value, sc_core::sc_time& delay);
  unsigned debug_reg(bool write, std::uint32_t address, std::uint32_t& value);
  tlm::tlm_generic_payload reg_trans_;  // reused by every register access (a hot path)
  tlm::tlm_generic_payload mem_trans_;
};

}  // namespace ebatch
