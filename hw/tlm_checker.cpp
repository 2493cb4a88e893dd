#include "hw/tlm_checker.h"

#include <sstream>

namespace ebatch {

TlmChecker::TlmChecker(sc_core::sc_module_name name) : sc_module(name), target("target"), initiator("initiator") {
  target.register_b_transport(this, &TlmChecker::b_transport);
  target.register_transport_dbg(this, &TlmChecker::transport_dbg);
}

void TlmChecker::violation(const std::string& what, const tlm::tlm_generic_payload& trans) {
  ++violations_;
  ++total_violations_;
  std::ostringstream msg;
  msg << name() << ": " << what << " (command " << int(trans.get_command()) << ", address 0x" << std::hex
      << trans.get_address() << std::dec << ", length " << trans.get_data_length() << ")";
  SC_REPORT_ERROR("ebatch/tlm_checker", msg.str().c_str());
}

bool TlmChecker::check_request(const tlm::tlm_generic_payload& trans, const char* call, bool debug) {
  const std::uint64_t before = violations_;
  const std::string where = std::string(call) + ": ";
  if (trans.get_command() != tlm::TLM_READ_COMMAND && trans.get_command() != tlm::TLM_WRITE_COMMAND)
    violation(where + "command is neither READ nor WRITE", trans);
  if (trans.get_data_ptr() == nullptr) violation(where + "no data pointer", trans);
  if (trans.get_data_length() == 0 && !debug) violation(where + "zero data length", trans);
  if (trans.get_byte_enable_ptr() != nullptr && trans.get_byte_enable_length() == 0)
    violation(where + "byte-enable pointer with zero byte-enable length", trans);
  return violations_ == before;
}

void TlmChecker::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  ++transactions_;
  const sc_core::sc_process_handle caller = sc_core::sc_get_current_process_handle();
  if (caller.valid() && caller.proc_kind() == sc_core::SC_METHOD_PROC_)
    violation("b_transport called from the SC_METHOD " + std::string(caller.name()), trans);
  check_request(trans, "b_transport", false);
  if (trans.get_streaming_width() == 0 || trans.get_streaming_width() > trans.get_data_length())
    violation("b_transport: streaming width is zero or above the data length", trans);
  if (trans.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
    violation("b_transport: the initiator did not set TLM_INCOMPLETE_RESPONSE", trans);
  // The annotated completion time (kernel time plus delay): a target that waits (an RTL
  // transactor) may hand back less delay, but the access may not end before it started.
  const sc_core::sc_time entry = sc_core::sc_time_stamp() + delay;
  initiator->b_transport(trans, delay);
  if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
    violation("b_transport: the target left the response TLM_INCOMPLETE_RESPONSE", trans);
  if (sc_core::sc_time_stamp() + delay < entry)
    violation("b_transport: the target moved the timing annotation backwards", trans);
}

unsigned TlmChecker::transport_dbg(tlm::tlm_generic_payload& trans) {
  ++transactions_;
  check_request(trans, "transport_dbg", true);
  const unsigned n = initiator->transport_dbg(trans);
  if (n > trans.get_data_length()) violation("transport_dbg: target reports more bytes than asked", trans);
  return n;
}

}  // namespace ebatch
