#include "hw/contract/tlm_control.h"

namespace ebatch {

namespace {
// A 64-bit field written as two 32-bit registers.
template <typename T>
void set_lo(T& field, std::uint32_t v) {
  field = T((std::uint64_t(field) & ~0xffffffffull) | v);
}
template <typename T>
void set_hi(T& field, std::uint32_t v) {
  field = T((std::uint64_t(field) & 0xffffffffull) | (std::uint64_t(v) << 32));
}
}  // namespace

TlmControl::TlmControl(ControlDatapath& datapath, int slots, std::uint32_t id, std::uint32_t caps,
                       std::function<void(const sc_core::sc_time&)> irq_changed)
    : datapath_(datapath),
      slots_(slots),
      id_(id),
      caps_(caps),
      irq_changed_(std::move(irq_changed)),
      slot_mask_(regs::kMaxSlots / 32, 0),
      staged_(std::size_t(slots)) {}

tlm::tlm_response_status TlmControl::check_access(std::uint64_t address, unsigned length, bool byte_enables) const {
  if (length != 4 || address % 4 != 0 || byte_enables) return tlm::TLM_BURST_ERROR_RESPONSE;
  const bool in_global = address < 0x100;
  const bool in_slots =
      address >= regs::kSlotBase && address < regs::kSlotBase + std::uint64_t(slots_) * regs::kSlotStride;
  if (!in_global && !in_slots) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  return tlm::TLM_OK_RESPONSE;
}

bool TlmControl::debug_read(std::uint32_t address, std::uint32_t& value) {
  if (check_access(address, 4, false) != tlm::TLM_OK_RESPONSE) return false;
  value = address == regs::kDonePop || address == regs::kErrPop ? 0 : read_register(address, sc_core::SC_ZERO_TIME);
  return true;
}

bool TlmControl::debug_write(std::uint32_t address, std::uint32_t value) {
  if (check_access(address, 4, false) != tlm::TLM_OK_RESPONSE) return false;
  if (address != regs::kWeightsLo && address != regs::kWeightsHi) return false;
  write(address, value, sc_core::SC_ZERO_TIME);
  return true;
}

std::uint32_t TlmControl::read(std::uint32_t address, const sc_core::sc_time& delay) {
  return read_register(address, delay);
}

void TlmControl::command_words(std::uint32_t& steps, std::uint32_t& layers, std::uint32_t* mask8) const {
  steps = cmd_steps_;
  layers = cmd_layers_;
  for (std::size_t w = 0; w < slot_mask_.size(); ++w) mask8[w] = slot_mask_[w];
}

void TlmControl::raise(std::uint32_t bits) {
  irq_status_ |= bits;
  irq_changed_(sc_core::SC_ZERO_TIME);
}

void TlmControl::fail(std::uint32_t code) {
  set_error(code);
  irq_status_ |= regs::kIrqError;
  irq_changed_(sc_core::SC_ZERO_TIME);
  datapath_.control_fault();
}

std::uint32_t TlmControl::read_register(std::uint32_t address, const sc_core::sc_time& delay) {
  using namespace regs;
  if (address >= kSlotBase) {
    const int slot = int((address - kSlotBase) / kSlotStride);
    const std::uint32_t offset = (address - kSlotBase) % kSlotStride;
    if (offset == kSlotQueued) return std::uint32_t(datapath_.control_queued(slot));
    return 0;
  }
  switch (address) {
    case kId:
      return id_;
    case kCaps:
      return caps_;
    case kCqBaseLo:
      return std::uint32_t(cq_base_ & 0xffffffffu);
    case kCqBaseHi:
      return std::uint32_t(cq_base_ >> 32);
    case kCqSize:
      return cq_size_;
    case kCqTail:
      return cq_tail_;
    case kCqHead:
      return datapath_.control_cq_head();
    case kStatus:
      return (datapath_.control_busy() || datapath_.control_doorbell_pending() ? kStatusBusy : 0) |
             (error_code_ || !errors_.empty() ? kStatusError : 0);
    case kIrqStatus:
      return irq_status_;
    case kIrqEnable:
      return irq_enable_;
    case kCmdSteps:
      return cmd_steps_;
    case kCmdLayers:
      return cmd_layers_;
    case kDonePop: {
      if (done_.empty()) return 0;
      last_popped_ = done_.front();
      done_.pop_front();
      if (done_.empty()) {
        irq_status_ &= ~kIrqSeqDone;
      } else {
        irq_gap_ = true;  // drop the line for a cycle: one rising edge per sequence
      }
      irq_changed_(delay);
      return 0x80000000u | std::uint32_t(last_popped_.slot);
    }
    case kDoneIdLo:
      return std::uint32_t(std::uint64_t(last_popped_.descriptor.id) & 0xffffffffu);
    case kDoneIdHi:
      return std::uint32_t(std::uint64_t(last_popped_.descriptor.id) >> 32);
    case kDoneCount:
      return std::uint32_t(done_.size());
    case kDoneSteps:
      return std::uint32_t(last_popped_.steps);
    case kErrorCode:
      return error_code_;
    case kErrPop: {
      if (errors_.empty()) return 0;
      last_error_ = errors_.front();
      errors_.pop_front();
      if (errors_.empty()) {
        if (!error_code_) irq_status_ &= ~kIrqError;
      } else {
        irq_gap_ = true;  // one rising edge per failed request
      }
      irq_changed_(delay);
      return 0x80000000u | (last_error_.code << 16) | std::uint32_t(last_error_.slot);
    }
    case kErrIdLo:
      return std::uint32_t(std::uint64_t(last_error_.id) & 0xffffffffu);
    case kErrIdHi:
      return std::uint32_t(std::uint64_t(last_error_.id) >> 32);
    case kErrCount:
      return std::uint32_t(errors_.size());
    case kWeightsLo:
      return std::uint32_t(weights_address_ & 0xffffffffu);
    case kWeightsHi:
      return std::uint32_t(weights_address_ >> 32);
    default:
      if (address >= kSlotMask0 && address < kSlotMask0 + 32) return slot_mask_[(address - kSlotMask0) / 4];
      return 0;
  }
}

void TlmControl::write(std::uint32_t address, std::uint32_t value, const sc_core::sc_time& delay) {
  using namespace regs;
  if (address >= kSlotBase) {
    const int slot = int((address - kSlotBase) / kSlotStride);
    const std::uint32_t offset = (address - kSlotBase) % kSlotStride;
    SequenceDescriptor& d = staged_[std::size_t(slot)];
    switch (offset) {
      case kSlotIdLo:
        set_lo(d.id, value);
        break;
      case kSlotIdHi:
        set_hi(d.id, value);
        break;
      case kSlotLength:
        d.length = value;
        break;
      case kSlotPadded:
        d.padded_length = value;
        break;
      case kSlotSource:
        d.source_length = value;
        break;
      case kSlotSourcePadded:
        d.source_padded = value;
        break;
      case kSlotFlags:
        d.run_to_padded = value & kSlotRunToPadded;
        break;
      case kSlotInLo:
        set_lo(d.input_address, value);
        break;
      case kSlotInHi:
        set_hi(d.input_address, value);
        break;
      case kSlotOutLo:
        set_lo(d.output_address, value);
        break;
      case kSlotOutHi:
        set_hi(d.output_address, value);
        break;
      case kSlotPush: {
        if (!(value & 1)) break;
        SequenceDescriptor pushed = d;
        if (pushed.padded_length == 0) pushed.padded_length = pushed.length;
        if (pushed.source_padded == 0) pushed.source_padded = pushed.source_length;
        const bool bad_source =
            requires_source_ && (pushed.source_length < 1 || pushed.source_padded < pushed.source_length);
        if (pushed.length < 1 || pushed.padded_length < pushed.length || bad_source) {
          fail(kErrBadDescriptor);
        } else if (!datapath_.control_push(slot, pushed, delay)) {
          fail(kErrQueueFull);
        }
        break;
      }
      default:
        break;
    }
    return;
  }
  switch (address) {
    case kCtrl:
      if (value & 1) {
        if (datapath_.control_busy())
          fail(kErrBadCommand);
        else
          datapath_.control_start(delay);
      }
      break;
    case kIrqStatus:
      irq_status_ &= ~value;
      if (!done_.empty()) irq_status_ |= kIrqSeqDone;  // still waiting: stays pending
      if (!errors_.empty()) irq_status_ |= kIrqError;
      irq_changed_(delay);
      break;
    case kIrqEnable:
      irq_enable_ = value;
      irq_changed_(delay);
      break;
    case kCmdSteps:
      cmd_steps_ = value;
      break;
    case kCmdLayers:
      cmd_layers_ = value;
      break;
    case kWeightsLo:
      set_lo(weights_address_, value);
      break;
    case kWeightsHi:
      set_hi(weights_address_, value);
      break;
    case kCqBaseLo:
      set_lo(cq_base_, value);
      break;
    case kCqBaseHi:
      set_hi(cq_base_, value);
      break;
    case kCqSize:
      cq_size_ = value;
      break;
    case kCqTail:
      cq_tail_ = value;
      datapath_.control_doorbell(value, delay);
      break;
    default:
      if (address >= kSlotMask0 && address < kSlotMask0 + 32) slot_mask_[(address - kSlotMask0) / 4] = value;
      break;
  }
}

}  // namespace ebatch
