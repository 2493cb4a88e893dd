// The TLM-2.0 protocol checker (hw/tlm_checker.h) between test initiators and targets:
// silent on correct traffic, one violation per broken rule otherwise.
// Each test elaborates its own modules and calls sc_start once (one test per process).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <systemc>
#include <tlm>

#include "hw/tlm_checker.h"

namespace ebatch {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

// A target that behaves (or, when `broken`, leaves the response incomplete and shortens the delay).
struct Target : sc_core::sc_module {
  tlm_utils::simple_target_socket<Target> socket;
  bool broken;
  Target(sc_core::sc_module_name name, bool broken_target) : sc_module(name), socket("socket"), broken(broken_target) {
    socket.register_b_transport(this, &Target::b_transport);
    socket.register_transport_dbg(this, &Target::transport_dbg);
  }
  void b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    if (broken) {
      delay = sc_core::SC_ZERO_TIME;  // backwards
      return;                         // response left incomplete
    }
    delay += sc_time(10, SC_NS);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& trans) { return trans.get_data_length(); }
};

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket;
  bool from_method;
  std::uint32_t word = 0;
  SC_HAS_PROCESS(Initiator);
  Initiator(sc_core::sc_module_name name, bool call_from_method)
      : sc_module(name), socket("socket"), from_method(call_from_method) {
    if (from_method) {
      SC_METHOD(method);
    } else {
      SC_THREAD(thread);
    }
  }
  void transact(bool good_request) {
    tlm::tlm_generic_payload t;
    t.set_command(good_request ? tlm::TLM_WRITE_COMMAND : tlm::TLM_IGNORE_COMMAND);
    t.set_address(0x40);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&word));
    t.set_data_length(4);
    t.set_streaming_width(good_request ? 4 : 8);  // wider than the data: a violation
    t.set_response_status(good_request ? tlm::TLM_INCOMPLETE_RESPONSE : tlm::TLM_OK_RESPONSE);
    sc_time delay(5, SC_NS);
    socket->b_transport(t, delay);
    t.set_command(tlm::TLM_READ_COMMAND);
    socket->transport_dbg(t);
  }
  void thread() {
    transact(true);
    transact(true);
  }
  void method() { transact(true); }
};

// Elaborates initiator -> checker -> target, simulates, and returns the checker's violations
// (reports silenced so that violations are counted, not thrown).
template <class InitiatorModule, class... Args>
std::uint64_t violations_through_checker(bool broken_target, std::uint64_t* transactions, Args... args) {
  sc_core::sc_report_handler::set_actions("ebatch/tlm_checker", sc_core::SC_DO_NOTHING);
  InitiatorModule init("init", args...);
  TlmChecker check("check");
  Target target("target", broken_target);
  init.socket.bind(check.target);
  check.initiator.bind(target.socket);
  sc_core::sc_start();
  if (transactions) *transactions = check.transactions();
  return check.violations();
}

TEST(TlmChecker, CorrectTrafficPassesUnchanged) {
  std::uint64_t transactions = 0;
  EXPECT_EQ(violations_through_checker<Initiator>(false, &transactions, false), 0u);
  EXPECT_EQ(transactions, 4u);  // two b_transport and two transport_dbg
  EXPECT_EQ(TlmChecker::total_violations(), 0u);
}

TEST(TlmChecker, BrokenTargetIsCaught) {
  // Per b_transport: response left incomplete, delay moved backwards.
  EXPECT_EQ(violations_through_checker<Initiator>(true, nullptr, false), 4u);
}

TEST(TlmChecker, BlockingCallFromAMethodIsCaught) {
  EXPECT_EQ(violations_through_checker<Initiator>(false, nullptr, true), 1u);
}

// A malformed request (IGNORE command, streaming width above the length, response not
// reset by the initiator), driven straight into the checker's target socket.
struct BadRequester : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<BadRequester> socket;
  SC_HAS_PROCESS(BadRequester);
  explicit BadRequester(sc_core::sc_module_name name) : sc_module(name), socket("socket") { SC_THREAD(run); }
  void run() {
    std::uint32_t word = 0;
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_IGNORE_COMMAND);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&word));
    t.set_data_length(4);
    t.set_streaming_width(8);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    sc_time delay;
    socket->b_transport(t, delay);
  }
};

TEST(TlmChecker, MalformedRequestIsCaught) {
  // The command, the streaming width and the initiator's response status.
  EXPECT_EQ(violations_through_checker<BadRequester>(false, nullptr), 3u);
}

}  // namespace
}  // namespace ebatch
