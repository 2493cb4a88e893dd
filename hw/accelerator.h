// The platform-independent part of an RNN accelerator: register map (TLM
// target), batch slots (SlotEngine), command sequencer, completion FIFO and
// interrupt, DRAM initiator. A platform (E-PUR, TPU) adds the timing and
// action counts of one layer pass by overriding execute_pass().
//
// Models: a command runs layer by layer; after the last layer, each finished
// sequence is pushed to the completion FIFO and SEQ_DONE is raised; at the end
// of the command CMD_DONE. The interrupt line is high while an enabled status
// bit is set; popping a completion while more are waiting drops the line for
// one cycle, so it rises once per completed sequence (and once per command that
// ends with none waiting). Register accesses take
// two accelerator cycles and take effect at the initiator's local time (the
// kernel's time plus the access's annotated delay), so START starts the command then, a PUSH during a command becomes
// visible to the layers run from then on, and acknowledges move the interrupt
// line then. Loosely timed: the sequencer runs ahead of kernel
// time within the global quantum and synchronises before every interrupt.
// Ignores: bus contention on the register interface, interrupt controllers.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/control_block.h"
#include "hw/contract/register_map.h"
#include "hw/contract/slot_engine.h"
#include "hw/contract/tlm_control.h"
#include "hw/energy_counters.h"
#include "hw/lazy_quantum_keeper.h"
#include "hw/pass_plan.h"
#include "hw/timeline.h"

namespace ebatch {

class FunctionalEngine;

// Counters every platform reports.
struct AcceleratorStats {
  std::uint64_t commands = 0, passes = 0;
  std::uint64_t compute_cycles = 0;
  std::uint64_t weight_load_bytes = 0, weight_stream_bytes = 0;
  std::uint64_t input_bytes = 0, output_bytes = 0;
  double step_slots_useful = 0, step_slots_padding = 0;  // (slot, step) pairs computed, per layer and direction
  double macs = 0;
  double busy_unit_cycles = 0;               // compute-unit (or PE) cycles doing MACs
  double unit_cycle_capacity_per_cycle = 1;  // MACs per cycle the whole datapath can do
  std::uint64_t interrupts = 0;
  std::uint64_t failed_requests = 0;
};

class Accelerator : public sc_core::sc_module, public ControlDatapath {
 public:
  tlm_utils::simple_target_socket<Accelerator> regs;
  tlm_utils::simple_initiator_socket<Accelerator> mem;
  sc_core::sc_out<bool> irq;
  // Waveforms (written when tracing): the window (command) and layer being computed,
  // lockstep steps of the last layer pass, and per slot the head sequence and the steps
  // its last layer still has to produce. Updated per layer pass (one time annotation each).
  sc_core::sc_signal<int> current_layer;
  sc_core::sc_signal<std::uint64_t> commands_done;
  sc_core::sc_signal<std::uint64_t> window_index;
  sc_core::sc_signal<std::int64_t> pass_steps;
  sc_core::sc_vector<sc_core::sc_signal<std::int64_t>> slot_sequence;
  sc_core::sc_vector<sc_core::sc_signal<std::int64_t>> slot_remaining;

  SC_HAS_PROCESS(Accelerator);
  Accelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy, int slots,
              int queue_depth);
  ~Accelerator() override;

  void set_functional(FunctionalEngine* engine) { functional_ = engine; }
  // Timing-only decoders: where each decoded sequence ends (request id -> steps), drawn by the
  // stimulus and seen by nobody else (the host programs only the maximum into LENGTH).
  void set_output_lengths(OutputLengths lengths) {
    output_lengths_ = std::move(lengths);
    engine_.set_output_lengths(&output_lengths_);
  }
  void set_tracing(bool on) { tracing_ = on; }
  void set_timeline(Timeline* timeline) { timeline_ = timeline; }
  // Sees every layer pass carried out from a plan, with its simulated start and end (for
  // checks of the estimators against the timed model).
  using PassObserver = std::function<void(const LayerPass& pass, const PassPlan& plan, double start_s, double end_s)>;
  void set_pass_observer(PassObserver observer) { pass_observer_ = std::move(observer); }
  const AcceleratorStats& stats() const { return stats_; }
  // The sequencer's quantum keeper: synchronisations made and skipped (simulation.lazy_sync).
  const LazyQuantumKeeper& keeper() const { return keeper_; }
  double cycle_seconds() const { return cycle_.to_seconds(); }
  // The platform's own waveform signals for output.trace: full, named below "accelerator.":
  // compute busy lines and memory fill levels, in trace order.
  struct PlatformSignals {
    std::vector<std::pair<const sc_core::sc_signal<bool>*, std::string>> compute;
    std::vector<std::pair<const sc_core::sc_signal<std::uint64_t>*, std::string>> memory;
  };
  virtual PlatformSignals platform_signals() const { return {}; }
  std::uint32_t error_code() const { return control_->error_code(); }
  // hardware.control: rtl: the control block is `control` (an RtlControl, whose target socket
  // then takes the host's register bus instead of `regs`, and whose line drives the interrupt);
  // by default the transaction-level register model (TlmControl) behind `regs`.
  void attach_control(ControlBlock* control) { control_ = control ? control : tlm_control_.get(); }
  // The transaction-level register model (for checkers: its state without bus accesses).
  const TlmControl& tlm_control() const { return *tlm_control_; }

  // ControlDatapath (hw/contract/control_block.h): what the control block tells the sequencer.
  bool control_busy() const override { return busy_ || start_pending_; }
  bool control_doorbell_pending() const override { return !doorbells_.empty(); }
  int control_queued(int slot) const override { return engine_.queued(slot) + pending_in(slot); }
  std::uint32_t control_cq_head() const override { return cq_head_; }
  void control_start(const sc_core::sc_time& delay) override;
  bool control_push(int slot, const SequenceDescriptor& d, const sc_core::sc_time& delay) override;
  void control_doorbell(std::uint32_t tail, const sc_core::sc_time& delay) override;
  void control_fault() override;

 protected:
  // Adds the time of one layer pass to `qk` (and issues its DRAM transfers). By default:
  // the platform planner's plan (use_planner) carried out by execute_plan, then its actions
  // and totals counted.
  virtual void execute_pass(const LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk);
  // The platform's planner: registers its actions and storage capacities (call once, from
  // the platform's constructor).
  void use_planner(std::unique_ptr<PassPlanner> planner);
  PassPlanner& planner() { return *planner_; }
  // Issues a plan's phases through TLM and attaches their time (hw/pass_plan.h): transfers
  // as DRAM bursts, compute as annotated time, a timed transfer inside a compute phase
  // overlapping it. False when a transfer got an error response (the command is failing).
  bool execute_plan(const LayerPass& pass, const PassPlan& plan, tlm_utils::tlm_quantumkeeper& qk);
  // Waveform hooks of execute_plan, around the compute phase and at the end of a pass.
  virtual void on_compute_begin(tlm_utils::tlm_quantumkeeper& qk) { (void)qk; }
  virtual void on_compute_end(const PassPlan& plan, tlm_utils::tlm_quantumkeeper& qk) { (void)plan, (void)qk; }
  virtual void on_pass_end(tlm_utils::tlm_quantumkeeper& qk) { (void)qk; }
  // A DRAM transfer, split in bursts of at most kMaxBurst bytes (data is not moved:
  // functional values travel by debug transport). Returns false on an error response.
  // `timed` false: the DRAM sees and counts it, but its delay is not added to `qk`
  // (for traffic whose time a platform's closed form already includes).
  bool dram_transfer(bool write, std::uint64_t address, std::uint64_t bytes, tlm_utils::tlm_quantumkeeper& qk,
                     bool timed = true);
  // Reads `bytes` of weights: the weight image (at the DRAM address in WEIGHTS_LO/HI, where
  // the runtime laid it out) read from its start, again from its start when the bytes exceed
  // it (weights re-streamed step after step read the same addresses, never the slot buffers).
  bool weight_transfer(std::uint64_t bytes, tlm_utils::tlm_quantumkeeper& qk, bool timed = true);
  // Raises the error interrupt; the current command stops.
  void fail(std::uint32_t code);
  // Reads the layer-0 inputs of every segment of the pass, one transfer per segment, all
  // issued together (a gather DMA: the channel serialises them, the latency is paid once).
  // A segment whose read fails drops its request (request_failed); the pass goes on.
  void read_inputs(const LayerPass& pass, std::uint64_t bytes_per_step, tlm_utils::tlm_quantumkeeper& qk);
  // A request failed (code: regs::ErrorCode): dropped from its slot, queued for ERR_POP, ERROR raised.
  void request_failed(int slot, std::int64_t id, std::uint32_t code);
  void sync_for_trace(tlm_utils::tlm_quantumkeeper& qk) {
    if (tracing_) qk.sync();
  }

  const Experiment& experiment_;
  EnergyCounters& energy_;
  AcceleratorStats stats_;
  sc_core::sc_time cycle_;
  bool tracing_ = false;
  bool failed_ = false;
  Timeline* timeline_ = nullptr;
  double now_s(const tlm_utils::tlm_quantumkeeper& qk) const {
    return (sc_core::sc_time_stamp() + qk.get_local_time()).to_seconds();
  }

 private:
  static constexpr std::uint64_t kMaxBurst = 1 << 20;
  // Sets up the next burst (at most kMaxBurst of `bytes`) of a DRAM transfer; its length.
  std::uint64_t burst(tlm::tlm_generic_payload& trans, bool write, std::uint64_t address, std::uint64_t bytes);
  void sequencer();
  // Fills `cmd` from command words (the registers' or a ring descriptor's).
  void decode_command(std::uint32_t steps, std::uint32_t layers_word, const std::uint32_t* mask_words,
                      SlotEngine::Command& cmd) const;
  // Runs one command, layer by layer, raising SEQ_DONE for its completions.
  void run_command(const SlotEngine::Command& cmd, LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk);
  // Synchronises, clears BUSY and raises CMD_DONE.
  void end_command(tlm_utils::tlm_quantumkeeper& qk);
  // Command queue: runs the ring's descriptors until it drains (or an error); CMD_DONE after a
  // descriptor flagged IRQ and when the ring drains.
  void run_queue(LayerPass& pass, SlotEngine::Command& cmd, tlm_utils::tlm_quantumkeeper& qk);
  // Reads the descriptors rung by now into fetched_; false when there are none (or on an error).
  bool fetch_descriptors(tlm_utils::tlm_quantumkeeper& qk);
  void admit_doorbells(const sc_core::sc_time& now);
  void irq_driver();
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // Debug access (regs::): reads without side effects, writes of WEIGHTS_LO/HI; no time, no energy.
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  // Sets IRQ_STATUS bits in the control block, counted as an interrupt.
  void raise(std::uint32_t bits);
  void count_interrupt();
  // Sequences pushed while a command runs, each visible to the sequencer from the write's time.
  struct PendingPush {
    int slot = 0;
    SequenceDescriptor descriptor;
    sc_core::sc_time at;
  };
  std::deque<PendingPush> pending_;
  int pending_in(int slot) const;
  void admit_pushes(const sc_core::sc_time& now);  // moves the pushes written by `now` into the slots

  SlotEngine engine_;
  LazyQuantumKeeper keeper_;  // the sequencer's
  std::unique_ptr<PassPlanner> planner_;
  std::unique_ptr<PlanActionRecorder> plan_actions_;
  PassPlan plan_;  // reused pass after pass
  PassObserver pass_observer_;
  FunctionalEngine* functional_ = nullptr;
  std::uint64_t weight_image_bytes_ = 1;     // the network's weights at the hardware's precision
  std::unique_ptr<TlmControl> tlm_control_;  // the register model (hardware.control: tlm)
  ControlBlock* control_ = nullptr;          // tlm_control_ or an attached RTL block
  std::uint32_t mask_words_[regs::kMaxSlots / 32] = {};
  std::vector<Completion> completions_;  // the last pass's, its storage kept between passes
  bool busy_ = false, start_pending_ = false;
  OutputLengths output_lengths_;
  sc_core::sc_event start_event_, irq_event_;  // start_event_: START or a doorbell
  sc_core::sc_time start_at_;                  // when the pending START takes effect
  // Command queue (regs::kCqBaseLo..kCqHead; the ring's place in the control block): the
  // free-running head (finished) and tail (rung, visible) counts, the doorbells not yet visible, the fetched
  // descriptors' words.
  struct Doorbell {
    std::uint32_t tail = 0;
    sc_core::sc_time at;
  };
  std::uint32_t cq_head_ = 0, cq_tail_ = 0;
  std::deque<Doorbell> doorbells_;
  std::vector<std::uint32_t> fetched_;
  std::size_t next_fetched_ = 0;
  std::vector<unsigned char> scratch_;
  // The payload of the sequencer's DRAM bursts (dram_transfer, read_inputs), reused: a fresh
  // one allocates its extension array. burst() sets every field a transfer reads.
  tlm::tlm_generic_payload dram_trans_;
  EnergyCounters::ActionId reg_access_id_, interrupt_id_;
};

}  // namespace ebatch
