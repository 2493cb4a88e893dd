#include "hw/contract/tlm_bus.h"

namespace ebatch {

TlmHostBus::TlmHostBus(sc_core::sc_module_name name)
    : sc_module(name), reg_socket("reg_socket"), mem_socket("mem_socket") {}

bool TlmHostBus::access_reg(bool write, std::uint32_t address, std::uint32_t& value, sc_core::sc_time& delay) {
  tlm::tlm_generic_payload& trans = reg_trans_;
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(address);
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  trans.set_data_length(4);
  trans.set_streaming_width(4);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  reg_socket->b_transport(trans, delay);
  return !trans.is_response_error();
}

unsigned TlmHostBus::debug_reg(bool write, std::uint32_t address, std::uint32_t& value) {
  tlm::tlm_generic_payload trans;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(address);
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  trans.set_data_length(4);
  trans.set_streaming_width(4);
  return reg_socket->transport_dbg(trans);
}

bool TlmHostBus::debug_read32(std::uint32_t address, std::uint32_t& value) {
  return debug_reg(false, address, value) == 4;
}

bool TlmHostBus::debug_write32(std::uint32_t address, std::uint32_t value) {
  return debug_reg(true, address, value) == 4;
}

bool TlmHostBus::transfer(bool write, std::uint64_t address, unsigned char* data, std::uint64_t bytes,
                          sc_core::sc_time& delay) {
  tlm::tlm_generic_payload& trans = mem_trans_;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(unsigned(bytes));
  trans.set_streaming_width(unsigned(bytes));
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  mem_socket->b_transport(trans, delay);
  return !trans.is_response_error();
}

bool TlmHostBus::debug_transfer(bool write, std::uint64_t address, void* data, std::uint64_t bytes) {
  tlm::tlm_generic_payload trans;
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(address);
  trans.set_data_ptr(static_cast<unsigned char*>(data));
  trans.set_data_length(unsigned(bytes));
  return mem_socket->transport_dbg(trans) == bytes;
}

}  // namespace ebatch
