// The transaction-level control block (hardware.control: tlm, the default): the register
// file of register_map.h, the completion and error FIFOs and the interrupt state, as an
// untimed core. The accelerator (its ControlDatapath) turns accesses into calls and drives
// the interrupt line from irq_level(); RtlControl (hw/rtl/control/) is the RTL twin.
// Ignores: bus protocol and timing (the accelerator adds two cycles per access).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <tlm>
#include <vector>

#include "hw/contract/control_block.h"
#include "hw/contract/register_map.h"

namespace ebatch {

class TlmControl : public ControlBlock {
 public:
  // `irq_changed(delay)`: the interrupt line may change `delay` after the kernel's time.
  TlmControl(ControlDatapath& datapath, int slots, std::uint32_t id, std::uint32_t caps,
             std::function<void(const sc_core::sc_time&)> irq_changed);

  // Whether an access of `length` bytes at `address` is well formed and inside the map.
  tlm::tlm_response_status check_access(std::uint64_t address, unsigned length, bool byte_enables) const;
  // A timed access (checked first), taking effect `delay` after the kernel's time.
  std::uint32_t read(std::uint32_t address, const sc_core::sc_time& delay);
  void write(std::uint32_t address, std::uint32_t value, const sc_core::sc_time& delay);
  // Debug access: reads without side effects (pops read 0), writes of WEIGHTS_LO/HI only.
  bool debug_read(std::uint32_t address, std::uint32_t& value);
  bool debug_write(std::uint32_t address, std::uint32_t value);

  // The interrupt line: high while an enabled status bit is set, low for one cycle after a
  // pop that leaves entries waiting (take_gap() returns and clears that).
  bool irq_level() const { return (irq_status_ & irq_enable_) != 0; }
  std::uint32_t irq_status() const { return irq_status_; }  // IRQ_STATUS, read without side effects
  bool take_gap() {
    const bool g = irq_gap_;
    irq_gap_ = false;
    return g;
  }

  void push_done(const Completion& c) override { done_.push_back(c); }
  void push_error(int slot, std::int64_t id, std::uint32_t code) override { errors_.push_back({slot, id, code}); }
  void set_error(std::uint32_t code) override {
    if (!error_code_) error_code_ = code;
  }
  void raise(std::uint32_t bits) override;
  std::uint32_t error_code() const override { return error_code_; }
  std::uint64_t weights_address() const override { return weights_address_; }
  std::uint64_t cq_base() const override { return cq_base_; }
  std::uint32_t cq_size() const override { return cq_size_; }
  void command_words(std::uint32_t& steps, std::uint32_t& layers, std::uint32_t* mask8) const override;
  // Encoder-decoder networks: a pushed sequence needs SOURCE >= 1 and SOURCE_PADDED >= SOURCE.
  void set_requires_source(bool on) { requires_source_ = on; }

 private:
  std::uint32_t read_register(std::uint32_t address, const sc_core::sc_time& delay);
  void fail(std::uint32_t code);

  ControlDatapath& datapath_;
  int slots_;
  std::uint32_t id_, caps_;
  std::function<void(const sc_core::sc_time&)> irq_changed_;
  std::uint64_t weights_address_ = 0;  // WEIGHTS_LO/HI
  std::uint32_t irq_status_ = 0, irq_enable_ = 0, error_code_ = 0;
  std::uint32_t cmd_steps_ = 0, cmd_layers_ = 0;
  std::vector<std::uint32_t> slot_mask_;
  std::vector<SequenceDescriptor> staged_;
  std::deque<Completion> done_;
  Completion last_popped_;
  struct RequestError {
    int slot = 0;
    std::int64_t id = 0;
    std::uint32_t code = 0;
  };
  std::deque<RequestError> errors_;
  RequestError last_error_;
  bool irq_gap_ = false;
  bool requires_source_ = false;
  std::uint64_t cq_base_ = 0;
  std::uint32_t cq_size_ = 0, cq_tail_ = 0;  // cq_tail_: the last doorbell written
};

}  // namespace ebatch
