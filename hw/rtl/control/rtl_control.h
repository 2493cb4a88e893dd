// RtlControl: the E-BATCH control block in RTL (hw/rtl/control/ebatch_ctrl.sv, verilated)
// behind a TLM-2.0-to-APB transactor; hardware.control: rtl. The host's register bus binds
// to `regs` as it would to the accelerator's; the accelerator is the block's datapath
// (ControlDatapath) and reports its events through ControlBlock, each becoming pin activity.
//
// Models: one APB3 access per b_transport: the initiator's annotated delay is waited out (the
// access starts at its local time), then a setup and an access cycle of the control clock
// (hardware.frequency), and the transaction returns with zero delay at the access's end, two
// cycles later, as the TLM model's two cycles. The clock is gated: it runs only while an access
// or a datapath event is in flight (and one cycle after a DONE_POP or ERR_POP, so that the
// interrupt's one-cycle gap ends); the block is synchronous, so idle cycles would change nothing.
// A cycle: inputs driven at its start, the rising edge in its middle, outputs (pulses to the
// datapath, the interrupt) sampled at its end. Responses: PSLVERR -> TLM_ADDRESS_ERROR;
// accesses APB cannot express (not 4 bytes, not word aligned, byte enables) -> TLM_BURST_ERROR
// and TLM_IGNORE -> TLM_COMMAND_ERROR without touching the pins. Debug accesses (no time):
// reads of ID, CAPS and WEIGHTS_LO/HI, writes of WEIGHTS_LO/HI (a back-door write of the
// register); others are refused.
// Ignores: the APB's PPROT/PSTRB (APB4) and wait states (PREADY is tied high).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "hw/contract/control_block.h"
#include "hw/energy_counters.h"

class Vebatch_ctrl;
class VerilatedContext;

namespace ebatch {

class RtlControl : public sc_core::sc_module, public ControlBlock {
 public:
  static constexpr int kMaxSlots = 256;    // the RTL's MAX_SLOTS
  static constexpr int kFifoDepth = 1024;  // entries of each of its FIFOs (FIFO_DEPTH)

  struct Straps {
    double frequency_hz = 1e9;  // the control clock
    int slots = 1, queue_depth = 1, layers = 1;
    std::uint32_t platform_id = 0;
    bool requires_source = false;  // encoder-decoder network: a push needs SOURCE >= 1 (cfg_requires_source)
  };

  tlm_utils::simple_target_socket<RtlControl> regs;
  sc_core::sc_out<bool> irq;

  SC_HAS_PROCESS(RtlControl);
  // `energy` (optional) counts one control.register_access per bus access, as the TLM model.
  RtlControl(sc_core::sc_module_name name, const Straps& straps, EnergyCounters* energy = nullptr);
  ~RtlControl() override;
  void attach(ControlDatapath* datapath) { datapath_ = datapath; }

  // ControlBlock: each call drives the datapath pins for one cycle (events of one call share it).
  void push_done(const Completion& c) override;
  void push_error(int slot, std::int64_t id, std::uint32_t code) override;
  void set_error(std::uint32_t code) override;
  void raise(std::uint32_t bits) override;
  std::uint32_t error_code() const override;
  std::uint64_t weights_address() const override;
  std::uint64_t cq_base() const override;
  std::uint32_t cq_size() const override;
  void command_words(std::uint32_t& steps, std::uint32_t& layers, std::uint32_t* mask8) const override;

  // Traces the pin-level signals (named as the RTL's ports) as `prefix`.<port>; appends each
  // full VCD name ("SystemC.<prefix>.<port>") and width to `names`.
  void trace(sc_core::sc_trace_file* tf, const std::string& prefix,
             std::vector<std::pair<std::string, int>>& names) const;
  std::uint64_t cycles() const { return cycles_; }      // control clock cycles run
  std::uint64_t accesses() const { return accesses_; }  // bus accesses
  double cycle_seconds() const { return period_.to_seconds(); }

  // Tests: raw APB pin cycles (no transactor checks), to break the protocol on purpose, and
  // whether an RTL assertion fired (assertions then report instead of aborting).
  struct PinCycle {
    bool psel = false, penable = false, pwrite = false;
    std::uint32_t paddr = 0, pwdata = 0;
  };
  void raw_cycles(const std::vector<PinCycle>& cycles);  // call from a thread; runs them in order
  // The next datapath events wait `cycles` clock cycles (to place them on a chosen edge).
  void delay_datapath_events(int cycles);
  // No access, event or tail cycle in flight: the clock is stopped.
  bool idle() const { return bus_.empty() && events_.empty() && tail_cycles_ == 0; }
  static void set_assertions_fatal(bool fatal);
  static bool assertion_failed();

 private:
  struct BusRequest {
    bool write = false;
    std::uint32_t address = 0, data = 0;
    bool slverr = false;
    int phase = 0;  // 0 setup, 1 access
    bool raw = false;
    PinCycle pins;
    sc_core::sc_event done;
  };
  struct Events {  // one cycle's datapath inputs
    bool done = false, err = false, fail = false, hold = false;
    std::uint32_t raise = 0;
    Completion completion;
    int err_slot = 0;
    std::int64_t err_id = 0;
    std::uint32_t err_code = 0, fail_code = 0;
  };
  Events& events_for(bool Events::*field);
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  void clock_thread();
  void run_cycle();
  void wake() { work_.notify(sc_core::SC_ZERO_TIME); }

  Straps straps_;
  sc_core::sc_time period_, half_;
  EnergyCounters* energy_;
  EnergyCounters::ActionId reg_access_id_{};
  ControlDatapath* datapath_ = nullptr;
  std::unique_ptr<Vebatch_ctrl> rtl_;
  std::deque<BusRequest*> bus_;
  std::deque<Events> events_;
  int tail_cycles_ = 0;
  sc_core::sc_event work_;
  std::uint64_t cycles_ = 0, accesses_ = 0;

  // Pins.
  sc_core::sc_signal<bool> clk_{"clk"}, rst_n_{"rst_n"};
  sc_core::sc_signal<std::uint32_t> cfg_platform_{"cfg_platform"}, cfg_slots_{"cfg_slots"},
      cfg_queue_depth_{"cfg_queue_depth"}, cfg_layers_{"cfg_layers"};
  sc_core::sc_signal<bool> cfg_requires_source_{"cfg_requires_source"};
  sc_core::sc_signal<bool> psel_{"psel"}, penable_{"penable"}, pwrite_{"pwrite"}, pready_{"pready"},
      pslverr_{"pslverr"};
  sc_core::sc_signal<std::uint32_t> paddr_{"paddr"}, pwdata_{"pwdata"}, prdata_{"prdata"};
  sc_core::sc_signal<bool> dp_busy_{"dp_busy"}, dp_cq_pending_{"dp_cq_pending"}, dp_done_valid_{"dp_done_valid"},
      dp_err_valid_{"dp_err_valid"}, dp_fail_valid_{"dp_fail_valid"};
  sc_core::sc_signal<std::uint32_t> dp_cq_head_{"dp_cq_head"}, dp_done_slot_{"dp_done_slot"},
      dp_err_slot_{"dp_err_slot"}, dp_err_code_{"dp_err_code"}, dp_fail_code_{"dp_fail_code"}, dp_raise_{"dp_raise"},
      dp_done_steps_{"dp_done_steps"};
  sc_core::sc_signal<std::uint64_t> dp_done_id_{"dp_done_id"}, dp_err_id_{"dp_err_id"};
  sc_core::sc_signal<bool> ctl_start_{"ctl_start"}, ctl_push_{"ctl_push"}, ctl_doorbell_{"ctl_doorbell"},
      ctl_fault_{"ctl_fault"}, irq_pin_{"irq_pin"};
  sc_core::sc_signal<std::uint32_t> ctl_cmd_steps_{"ctl_cmd_steps"}, ctl_cmd_layers_{"ctl_cmd_layers"},
      ctl_push_slot_{"ctl_push_slot"}, ctl_push_length_{"ctl_push_length"}, ctl_push_padded_{"ctl_push_padded"},
      ctl_cq_tail_{"ctl_cq_tail"}, ctl_cq_size_{"ctl_cq_size"}, ctl_error_code_{"ctl_error_code"},
      ctl_push_source_{"ctl_push_source"}, ctl_push_source_padded_{"ctl_push_source_padded"};
  sc_core::sc_signal<bool> ctl_push_run_to_padded_{"ctl_push_run_to_padded"};
  sc_core::sc_signal<std::uint64_t> ctl_push_id_{"ctl_push_id"}, ctl_push_in_{"ctl_push_in"},
      ctl_push_out_{"ctl_push_out"}, ctl_cq_base_{"ctl_cq_base"}, ctl_weights_{"ctl_weights"};
  sc_core::sc_signal<sc_dt::sc_bv<256>> ctl_slot_mask_{"ctl_slot_mask"};
  void irq_method() { irq.write(irq_pin_.read()); }
};

}  // namespace ebatch
