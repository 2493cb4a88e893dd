// The host runtime: takes requests as they arrive, places them in batch slots
// and runs the accelerator, all through the register map and the
// sequence-completion interrupt, as host software would. It knows the
// accelerator only through the driver contract (hw/contract/): a register bus,
// a memory bus (hw/contract/bus.h) and the interrupt line.
//
// Probe (end of elaboration, before any measurement): reads ID (the 0xEBA7
// signature) and CAPS by debug access and refuses a policy that needs more
// slots or a deeper slot queue, or a network with more layers, than the
// accelerator offers (InputError naming the key); programs WEIGHTS_LO/HI with
// the DRAM address where it laid out the weight image. Debug accesses take no
// time and count no energy, as a real driver's probe happens before a run.
//
// Commands (policy.command_mode): mmio writes each command's registers and START, then serves
// the interrupts until CMD_DONE; queue writes the policy's next commands (next_commands) as
// descriptors into a DRAM ring with one timed transfer, rings the doorbell (CQ_TAIL) and serves
// the interrupts until the ring drains (CMD_DONE of the last, flagged descriptor).
// Register writes carry the host's local time (quantum keeper) as their annotated delay and
// take effect then: the reaction latency is on the critical path of the next command. The
// interrupt handler starts a reaction after the line's rising edge, synchronised (the host
// waits the reaction out), so its first read of IRQ_STATUS sees everything raised by then.
//
// Models: inputs written to DRAM before a sequence is queued, outputs read
// back after its completion interrupt, each as one timed DRAM transfer; a
// fixed host reaction latency between the interrupt and the handler; the
// policy's decisions (runtime/policy.h). Functional values move by untimed
// debug transport (FP32), beside the timed transfers of the hardware's sizes.
// Ignores: OS scheduling, PCIe, cache effects, host compute time.
#pragma once

#include <tlm_utils/tlm_quantumkeeper.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <systemc>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/bus.h"
#include "runtime/policy.h"

namespace ebatch {

// A request the accelerator dropped (regs::kErrPop).
struct FailedRequest {
  std::int64_t id = 0;
  int slot = -1;
  std::string reason;
  double time_s = 0;
};

struct RequestRecord {
  Request request;
  int slot = -1;
  std::int64_t padded_length = 0;
  std::int64_t steps_produced = 0;  // from the completion status (DONE_STEPS): a decoder's real length
  double start_s = 0;               // written into a slot
  double finish_s = 0;              // result back on the host
  std::uint64_t input_address = 0, output_address = 0;
};

class HostRuntime : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> irq;
  // Waveforms: request id in each slot's head (-1 empty), requests waiting.
  sc_core::sc_vector<sc_core::sc_signal<std::int64_t>> slot_request;
  sc_core::sc_signal<std::int64_t> waiting_requests;

  // Inputs of a request: length x input_size values, row-major.
  using InputProvider = std::function<void(const Request&, std::vector<float>&)>;
  // A finished request; outputs (length x layer_output_size) only in functional runs.
  using CompletionSink = std::function<void(const RequestRecord&, const std::vector<float>* outputs)>;

  SC_HAS_PROCESS(HostRuntime);
  HostRuntime(sc_core::sc_module_name name, const Experiment& experiment, std::vector<Request> requests,
              BatchingPolicy& policy, RegisterBus& regs, MemoryBus& mem);
  // Steps of a request's longest buffer: its length, or an encoder-decoder's source if longer.
  static std::int64_t buffer_steps(const Request& r) { return std::max(r.length, r.source_length); }

  // What the probe read (valid after elaboration).
  struct Capabilities {
    std::uint32_t platform = 0;  // ID bits 0-15 (0 E-PUR, 1 TPU)
    int slots = 0, queue_depth = 0, layers = 0;
    bool command_queue = false;  // CAPS bit 15
  };
  const Capabilities& capabilities() const { return caps_; }
  // Reads ID and CAPS, checks them against the policy and network, programs WEIGHTS_LO/HI;
  // throws InputError on a mismatch. Runs at the end of elaboration.
  void probe();

  void set_functional(InputProvider inputs) { inputs_ = std::move(inputs); }
  void set_completion_sink(CompletionSink sink) { sink_ = std::move(sink); }
  void set_tracing(bool on) { tracing_ = on; }
  // Called when a request's result is back on the host, before the policy and the sink hear of it
  // (the testbench records request lifetimes on its timeline here).
  void set_finish_observer(std::function<void(const RequestRecord&)> observer) {
    finish_observer_ = std::move(observer);
  }
  // DRAM layout: the weight image at this address (default 0), the slot buffers after it.
  // Call before elaboration ends (tests move the image to check WEIGHTS_LO/HI).
  void set_weight_image_address(std::uint64_t address);
  std::uint64_t weight_image_address() const { return weights_address_; }
  // A flag set from a signal handler (Ctrl-C): when non-zero the runtime stops between
  // commands and the run ends early, interrupted() true.
  void set_stop_flag(const volatile std::sig_atomic_t* flag) { stop_flag_ = flag; }
  bool interrupted() const { return interrupted_; }
  // Fault injection (simulation.faults.bad_address): these requests get a descriptor whose
  // input address lies outside the DRAM. The host's own copy of the inputs is unaffected.
  void set_bad_address_requests(std::vector<std::int64_t> ids) { bad_address_ids_ = std::move(ids); }
  // Called after each request is written to a slot (the testbench injects DRAM faults here).
  void set_placement_observer(std::function<void(const RequestRecord&)> observer) {
    placement_observer_ = std::move(observer);
  }
  const std::vector<FailedRequest>& failed() const { return failed_; }

  std::size_t completed() const { return completed_; }
  std::size_t total() const { return requests_.size(); }
  bool finished() const { return finished_; }
  const std::string& error() const { return error_; }
  double finish_time_s() const { return finish_time_s_; }
  std::uint64_t dram_bytes_needed() const;
  // The same before any module exists: the weight image, then one input and one output buffer
  // per slot queue entry for requests of up to `max_length` steps (checked before the tuner runs).
  static std::uint64_t dram_layout_bytes(const Experiment& e, std::int64_t max_length, int slots, int queue_depth);

 private:
  void main();
  void end_of_elaboration() override { probe(); }
  std::uint32_t access_reg(bool write, std::uint32_t address, std::uint32_t value);
  std::uint32_t read_reg(std::uint32_t address) { return access_reg(false, address, 0); }
  void write_reg(std::uint32_t address, std::uint32_t value) { access_reg(true, address, value); }
  // Command registers keep their value between commands: write only what changes, as a driver
  // with a shadow copy would.
  void write_reg_if_changed(std::uint32_t address, std::uint32_t value) {
    Shadowed& w = written_[(address / 4) % written_.size()];  // the command registers lie below 0x100
    if (w.valid && w.value == value) return;
    w = {true, value};
    write_reg(address, value);
  }
  // Issues the policy's next command through the command registers and START (mmio), or its
  // next commands as descriptors in the DRAM ring and a doorbell (queue); false: none to run.
  bool issue_mmio();
  bool issue_queued();
  std::uint32_t mask_word(const AcceleratorCommand& cmd, int word) const;  // SLOT_MASK word `word`
  std::uint32_t layers_word(const AcceleratorCommand& cmd) const;          // CMD_LAYERS
  // Bytes of the command ring in DRAM (0 unless policy.command_mode is queue).
  static std::uint64_t ring_bytes(const Experiment& e);
  void transfer(bool write, std::uint64_t address, std::uint64_t bytes);
  void debug_transfer(bool write, std::uint64_t address, void* data, std::uint64_t bytes);
  void place(const Placement& p);
  void handle_interrupt(bool& command_done_seen);
  // steps: the completion status's steps produced (-1: the request's length).
  void complete(int slot, std::int64_t request_id, std::int64_t steps);
  const RuntimeView& view();  // refreshes and returns view_
  RuntimeView view_;          // reused: consulted several times per command
  void sync() { qk_.sync(); }

  const Experiment& experiment_;
  std::vector<Request> requests_;
  BatchingPolicy& policy_;
  InputProvider inputs_;
  CompletionSink sink_;
  tlm_utils::tlm_quantumkeeper qk_;
  std::deque<Request> waiting_;
  std::size_t next_arrival_ = 0, completed_ = 0;
  std::vector<int> queued_;
  std::vector<std::deque<RequestRecord>> in_slot_;
  std::vector<std::uint64_t> pushes_;  // per slot, selects the buffer entry
  std::uint64_t buffers_base_ = 0, input_entry_bytes_ = 0, output_entry_bytes_ = 0;
  std::uint64_t ring_base_ = 0;  // the command ring (after the slot buffers)
  std::uint32_t cq_tail_ = 0;    // descriptors written to the ring (free-running)
  std::vector<std::uint32_t> ring_words_;
  std::vector<AcceleratorCommand> commands_;  // fill_commands' entries, their storage kept between issues
  std::int64_t max_length_ = 1;
  bool finished_ = false, tracing_ = false, interrupted_ = false;
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;
  std::vector<std::int64_t> bad_address_ids_;
  std::function<void(const RequestRecord&)> placement_observer_;
  std::vector<FailedRequest> failed_;
  void fail_request(int slot, std::int64_t request_id, std::uint32_t code);
  void trace_slot_head(int slot);  // waveforms: the request now at the head of the slot
  std::function<void(const RequestRecord&)> finish_observer_;
  RegisterBus& regs_;
  MemoryBus& mem_;
  Capabilities caps_;
  std::uint64_t weights_address_ = 0, weight_image_bytes_ = 0;
  std::string error_;
  double finish_time_s_ = 0;
  std::vector<float> staging_;
  struct Shadowed {
    bool valid = false;
    std::uint32_t value = 0;
  };
  std::array<Shadowed, 64> written_{};  // shadow of the command registers, per word below 0x100
};

}  // namespace ebatch
