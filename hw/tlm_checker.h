// A TLM-2.0 base-protocol checker for loosely-timed blocking transport, inserted between
// an initiator and a target (test builds: CMake option EBATCH_CHECKS). It forwards every
// b_transport and transport_dbg unchanged and checks, per transaction:
// - the command is READ or WRITE (IGNORE is legal TLM but this model never sends it), the
//   data pointer is set and the length is non-zero (zero is allowed for transport_dbg);
// - the streaming width is non-zero and at most the length; byte enables, when given,
//   have a non-zero length;
// - the initiator set the response to TLM_INCOMPLETE_RESPONSE before the call, and the
//   target set it to something else by the return;
// - the target never moves the annotated time (kernel time plus delay) backwards (sc_time cannot be negative,
//   so "negative" shows as a delay smaller on return than on entry);
// - b_transport is not called from an SC_METHOD (it may wait).
// A violation is reported with SC_REPORT_ERROR (by default SystemC throws, failing the
// test) and counted in violations(). Ignores: the non-blocking interface, DMI, extensions.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>

namespace ebatch {

class TlmChecker : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TlmChecker> target;        // bind the initiator here
  tlm_utils::simple_initiator_socket<TlmChecker> initiator;  // bind this to the target

  explicit TlmChecker(sc_core::sc_module_name name);

  std::uint64_t transactions() const { return transactions_; }
  std::uint64_t violations() const { return violations_; }
  // Violations of every checker in this process (for a run's final check).
  static std::uint64_t total_violations() { return total_violations_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  bool check_request(const tlm::tlm_generic_payload& trans, const char* call, bool debug);
  void violation(const std::string& what, const tlm::tlm_generic_payload& trans);

  std::uint64_t transactions_ = 0, violations_ = 0;
  static inline std::uint64_t total_violations_ = 0;
};

}  // namespace ebatch
