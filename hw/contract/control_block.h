// The boundary between the accelerator's control block (the register file of
// register_map.h, its FIFOs and the interrupt line) and its datapath (the sequencer, the
// slot queues and the timing model). Two implementations of the control side sit behind
// ControlBlock: TlmControl (hw/contract/tlm_control.h, the transaction-level register model,
// the default) and RtlControl (hw/rtl/control/, the SystemVerilog block behind an APB
// transactor; hardware.control: rtl). The accelerator is the ControlDatapath of both.
// docs/ARCHITECTURE.md, "RTL co-simulation", lists the signals each call stands for.
//
// Times: `delay` is when the event takes effect, relative to the kernel's time.
#pragma once

#include <cstdint>
#include <systemc>

#include "hw/contract/slot_engine.h"

namespace ebatch {

// What the control block tells the datapath (and asks it).
class ControlDatapath {
 public:
  virtual ~ControlDatapath() = default;
  // A command runs or a START waits to take effect (START is refused then; PUSH queues
  // behind the running command).
  virtual bool control_busy() const = 0;
  // A doorbell waits to take effect (STATUS.BUSY is either).
  virtual bool control_doorbell_pending() const = 0;
  // Sequences queued in the slot (current included; the TLM register model's QUEUED).
  virtual int control_queued(int slot) const = 0;
  // CQ_HEAD: command descriptors finished so far.
  virtual std::uint32_t control_cq_head() const = 0;
  // START was accepted: the sequencer reads the command words (ControlBlock::command_words).
  virtual void control_start(const sc_core::sc_time& delay) = 0;
  // PUSH of a well-formed descriptor; false: the slot's queue is full (the TLM model asks).
  virtual bool control_push(int slot, const SequenceDescriptor& d, const sc_core::sc_time& delay) = 0;
  // CQ_TAIL was written (the doorbell).
  virtual void control_doorbell(std::uint32_t tail, const sc_core::sc_time& delay) = 0;
  // A register-side error (queue full, bad descriptor, bad command) raised ERROR: the
  // running command stops.
  virtual void control_fault() = 0;
};

// The control block as the datapath sees it. Events are reported at the datapath's
// synchronised time (the kernel's).
class ControlBlock {
 public:
  virtual ~ControlBlock() = default;
  // A sequence completed: into the completion FIFO (DONE_POP); raise() follows.
  virtual void push_done(const Completion& c) = 0;
  // A request failed: into the error FIFO (ERR_POP); raise(kIrqError) follows.
  virtual void push_error(int slot, std::int64_t id, std::uint32_t code) = 0;
  // The command failed: ERROR_CODE takes `code` unless an error is already recorded.
  virtual void set_error(std::uint32_t code) = 0;
  // Sets IRQ_STATUS bits (regs::kIrq*).
  virtual void raise(std::uint32_t bits) = 0;
  // Register values the datapath uses.
  virtual std::uint32_t error_code() const = 0;
  virtual std::uint64_t weights_address() const = 0;
  virtual std::uint64_t cq_base() const = 0;
  virtual std::uint32_t cq_size() const = 0;
  // CMD_STEPS, CMD_LAYERS and the 8 SLOT_MASK words, as START found them.
  virtual void command_words(std::uint32_t& steps, std::uint32_t& layers, std::uint32_t* mask8) const = 0;
};

}  // namespace ebatch
