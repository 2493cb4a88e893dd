#include "hw/rtl/control/rtl_control.h"

#include <Vebatch_ctrl.h>
#include <Vebatch_ctrl___024root.h>
#include <verilated.h>

#include <cstring>

#include "hw/contract/register_map.h"

namespace ebatch {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

RtlControl::RtlControl(sc_core::sc_module_name name, const Straps& straps, EnergyCounters* energy)
    : sc_module(name),
      regs("regs"),
      irq("irq"),
      straps_(straps),
      period_(1.0 / straps.frequency_hz, sc_core::SC_SEC),
      half_(period_ / 2),
      energy_(energy),
      rtl_(std::make_unique<Vebatch_ctrl>("ebatch_ctrl")) {
  if (energy_) reg_access_id_ = energy_->action("control", "register_access");
  regs.register_b_transport(this, &RtlControl::b_transport);
  regs.register_transport_dbg(this, &RtlControl::transport_dbg);
  Vebatch_ctrl& m = *rtl_;
  m.clk(clk_);
  m.rst_n(rst_n_);
  m.cfg_platform(cfg_platform_);
  m.cfg_slots(cfg_slots_);
  m.cfg_queue_depth(cfg_queue_depth_);
  m.cfg_layers(cfg_layers_);
  m.cfg_requires_source(cfg_requires_source_);
  m.psel(psel_);
  m.penable(penable_);
  m.pwrite(pwrite_);
  m.paddr(paddr_);
  m.pwdata(pwdata_);
  m.prdata(prdata_);
  m.pready(pready_);
  m.pslverr(pslverr_);
  m.dp_busy(dp_busy_);
  m.dp_cq_pending(dp_cq_pending_);
  m.dp_cq_head(dp_cq_head_);
  m.dp_done_valid(dp_done_valid_);
  m.dp_done_slot(dp_done_slot_);
  m.dp_done_id(dp_done_id_);
  m.dp_done_steps(dp_done_steps_);
  m.dp_err_valid(dp_err_valid_);
  m.dp_err_slot(dp_err_slot_);
  m.dp_err_code(dp_err_code_);
  m.dp_err_id(dp_err_id_);
  m.dp_fail_valid(dp_fail_valid_);
  m.dp_fail_code(dp_fail_code_);
  m.dp_raise(dp_raise_);
  m.ctl_start(ctl_start_);
  m.ctl_cmd_steps(ctl_cmd_steps_);
  m.ctl_cmd_layers(ctl_cmd_layers_);
  m.ctl_slot_mask(ctl_slot_mask_);
  m.ctl_push(ctl_push_);
  m.ctl_push_slot(ctl_push_slot_);
  m.ctl_push_id(ctl_push_id_);
  m.ctl_push_length(ctl_push_length_);
  m.ctl_push_padded(ctl_push_padded_);
  m.ctl_push_in(ctl_push_in_);
  m.ctl_push_out(ctl_push_out_);
  m.ctl_push_source(ctl_push_source_);
  m.ctl_push_source_padded(ctl_push_source_padded_);
  m.ctl_push_run_to_padded(ctl_push_run_to_padded_);
  m.ctl_doorbell(ctl_doorbell_);
  m.ctl_cq_tail(ctl_cq_tail_);
  m.ctl_cq_size(ctl_cq_size_);
  m.ctl_cq_base(ctl_cq_base_);
  m.ctl_weights(ctl_weights_);
  m.ctl_fault(ctl_fault_);
  m.ctl_error_code(ctl_error_code_);
  m.irq(irq_pin_);
  cfg_platform_.write(straps.platform_id);
  cfg_slots_.write(std::uint32_t(straps.slots));
  cfg_queue_depth_.write(std::uint32_t(straps.queue_depth));
  cfg_layers_.write(std::uint32_t(straps.layers));
  cfg_requires_source_.write(straps.requires_source);
  SC_THREAD(clock_thread);
  SC_METHOD(irq_method);
  sensitive << irq_pin_;
  dont_initialize();
}

RtlControl::~RtlControl() = default;

void RtlControl::set_assertions_fatal(bool fatal) { Verilated::threadContextp()->fatalOnError(fatal); }
bool RtlControl::assertion_failed() { return Verilated::threadContextp()->gotError(); }

void RtlControl::clock_thread() {
  // Reset for one cycle at time zero (no time: the reset edge is asynchronous).
  rst_n_.write(false);
  wait(SC_ZERO_TIME);
  rst_n_.write(true);
  wait(SC_ZERO_TIME);
  while (true) {
    if (bus_.empty() && events_.empty() && tail_cycles_ == 0) wait(work_);
    run_cycle();
  }
}

void RtlControl::run_cycle() {
  ++cycles_;
  if (tail_cycles_ > 0) --tail_cycles_;
  // Inputs of this cycle: the datapath's levels, one bus phase, one bundle of events.
  if (datapath_) {
    dp_busy_.write(datapath_->control_busy());
    dp_cq_pending_.write(datapath_->control_doorbell_pending());
    dp_cq_head_.write(datapath_->control_cq_head());
  }
  BusRequest* bus = bus_.empty() ? nullptr : bus_.front();
  if (bus && bus->raw) {
    psel_.write(bus->pins.psel);
    penable_.write(bus->pins.penable);
    pwrite_.write(bus->pins.pwrite);
    paddr_.write(bus->pins.paddr);
    pwdata_.write(bus->pins.pwdata);
  } else if (bus) {
    psel_.write(true);
    penable_.write(bus->phase == 1);
    pwrite_.write(bus->write);
    paddr_.write(bus->address);
    pwdata_.write(bus->write ? bus->data : 0);
  } else {
    psel_.write(false);
    penable_.write(false);
  }
  Events ev;
  if (!events_.empty()) {
    ev = events_.front();
    events_.pop_front();
  }
  dp_done_valid_.write(ev.done);
  dp_done_slot_.write(std::uint32_t(ev.completion.slot));
  dp_done_id_.write(std::uint64_t(ev.completion.descriptor.id));
  dp_done_steps_.write(std::uint32_t(ev.completion.steps));
  dp_err_valid_.write(ev.err);
  dp_err_slot_.write(std::uint32_t(ev.err_slot));
  dp_err_id_.write(std::uint64_t(ev.err_id));
  dp_err_code_.write(ev.err_code);
  dp_fail_valid_.write(ev.fail);
  dp_fail_code_.write(ev.fail_code);
  dp_raise_.write(ev.raise);
  wait(half_);
  // The master samples PRDATA and PSLVERR at the rising edge ending the access phase.
  const bool access_end = bus && (bus->raw || bus->phase == 1);
  if (access_end && !bus->raw) {
    bus->slverr = pslverr_.read();
    if (!bus->write) bus->data = prdata_.read();
  }
  clk_.write(true);
  wait(half_);
  clk_.write(false);
  if (bus) {
    if (access_end) {
      bus_.pop_front();
      // A pop may have dropped the interrupt for one cycle: one more edge ends the gap.
      if (!bus->raw && !bus->write && (bus->address == regs::kDonePop || bus->address == regs::kErrPop))
        tail_cycles_ = 1;
      bus->done.notify();
      // Let the initiator queue its next access (it resumes now) before the next cycle starts,
      // so back-to-back accesses take two cycles each.
      wait(SC_ZERO_TIME);
    } else {
      bus->phase = 1;
    }
  }
  // Pulses to the datapath, registered at this cycle's edge.
  if (!datapath_) return;
  if (ctl_push_.read()) {
    SequenceDescriptor d;
    d.id = std::int64_t(ctl_push_id_.read());
    d.length = ctl_push_length_.read();
    d.padded_length = ctl_push_padded_.read();
    d.input_address = ctl_push_in_.read();
    d.output_address = ctl_push_out_.read();
    d.source_length = ctl_push_source_.read();
    d.source_padded = ctl_push_source_padded_.read();
    d.run_to_padded = ctl_push_run_to_padded_.read();
    if (!datapath_->control_push(int(ctl_push_slot_.read()), d, SC_ZERO_TIME))
      SC_REPORT_ERROR(name(), "the datapath refused a push the RTL accepted (its QUEUED counter disagrees)");
  }
  if (ctl_start_.read()) datapath_->control_start(SC_ZERO_TIME);
  if (ctl_doorbell_.read()) datapath_->control_doorbell(ctl_cq_tail_.read(), SC_ZERO_TIME);
  if (ctl_fault_.read()) datapath_->control_fault();
}

void RtlControl::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const std::uint64_t address = trans.get_address();
  if (trans.get_data_length() != 4 || address % 4 != 0 || trans.get_byte_enable_ptr() || address > 0xffffffffu) {
    trans.set_response_status(address > 0xffffffffu && trans.get_data_length() == 4 && address % 4 == 0 &&
                                      !trans.get_byte_enable_ptr()
                                  ? tlm::TLM_ADDRESS_ERROR_RESPONSE
                                  : tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (!trans.is_write() && !trans.is_read()) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (delay != SC_ZERO_TIME) wait(delay);  // the access starts at the initiator's local time
  delay = SC_ZERO_TIME;
  BusRequest req;
  req.write = trans.is_write();
  req.address = std::uint32_t(address);
  if (req.write) std::memcpy(&req.data, trans.get_data_ptr(), 4);
  bus_.push_back(&req);
  wake();
  wait(req.done);
  ++accesses_;
  if (req.slverr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (!req.write) std::memcpy(trans.get_data_ptr(), &req.data, 4);
  if (energy_) energy_->add(reg_access_id_, 1);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void RtlControl::raw_cycles(const std::vector<PinCycle>& cycles) {
  std::vector<BusRequest> reqs(cycles.size());
  for (std::size_t i = 0; i < cycles.size(); ++i) {
    reqs[i].raw = true;
    reqs[i].pins = cycles[i];
    bus_.push_back(&reqs[i]);
  }
  wake();
  if (!reqs.empty()) wait(reqs.back().done);
}

unsigned RtlControl::transport_dbg(tlm::tlm_generic_payload& trans) {
  using namespace regs;
  const std::uint64_t address = trans.get_address();
  if (trans.get_data_length() != 4 || address % 4 != 0 || trans.get_byte_enable_ptr()) return 0;
  std::uint32_t value = 0;
  auto& weights = rtl_->rootp->ebatch_ctrl__DOT__weights_q;
  if (trans.is_read()) {
    switch (address) {
      case kId:
        value = kIdValue | straps_.platform_id;
        break;
      case kCaps:
        value =
            make_caps(std::uint32_t(straps_.slots), std::uint32_t(straps_.queue_depth), std::uint32_t(straps_.layers)) |
            kCapsCommandQueue;
        break;
      case kWeightsLo:
        value = std::uint32_t(weights & 0xffffffffu);
        break;
      case kWeightsHi:
        value = std::uint32_t(weights >> 32);
        break;
      default:
        return 0;  // only what a driver probes
    }
    std::memcpy(trans.get_data_ptr(), &value, 4);
    return 4;
  }
  if (trans.is_write() && (address == kWeightsLo || address == kWeightsHi)) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    weights = address == kWeightsLo ? (weights & ~0xffffffffull) | value
                                    : (weights & 0xffffffffull) | (std::uint64_t(value) << 32);
    return 4;
  }
  return 0;
}

RtlControl::Events& RtlControl::events_for(bool Events::*field) {
  // The newest bundle if that input of it is still free, else a new bundle (next cycle).
  if (events_.empty() || events_.back().*field || events_.back().hold) events_.emplace_back();
  wake();
  return events_.back();
}

void RtlControl::delay_datapath_events(int cycles) {
  for (int i = 0; i < cycles; ++i) events_.emplace_back().hold = true;
  if (cycles > 0) wake();
}

void RtlControl::push_done(const Completion& c) {
  Events& e = events_for(&Events::done);
  e.done = true;
  e.completion = c;
}

void RtlControl::push_error(int slot, std::int64_t id, std::uint32_t code) {
  Events& e = events_for(&Events::err);
  e.err = true;
  e.err_slot = slot;
  e.err_id = id;
  e.err_code = code;
}

void RtlControl::set_error(std::uint32_t code) {
  Events& e = events_for(&Events::fail);
  e.fail = true;
  e.fail_code = code;
}

void RtlControl::raise(std::uint32_t bits) {
  if (events_.empty() || events_.back().hold) events_.emplace_back();
  events_.back().raise |= bits;  // with the events it follows
  wake();
}

std::uint32_t RtlControl::error_code() const {
  // The error code as the datapath will see it: the recorded one, else a pending failure's.
  if (const std::uint32_t code = ctl_error_code_.read()) return code;
  for (const auto& e : events_)
    if (e.fail) return e.fail_code;
  return 0;
}

std::uint64_t RtlControl::weights_address() const { return rtl_->rootp->ebatch_ctrl__DOT__weights_q; }
std::uint64_t RtlControl::cq_base() const { return ctl_cq_base_.read(); }
std::uint32_t RtlControl::cq_size() const { return ctl_cq_size_.read(); }

void RtlControl::command_words(std::uint32_t& steps, std::uint32_t& layers, std::uint32_t* mask8) const {
  steps = ctl_cmd_steps_.read();
  layers = ctl_cmd_layers_.read();
  const sc_dt::sc_bv<256> mask = ctl_slot_mask_.read();
  for (int w = 0; w < 8; ++w) mask8[w] = std::uint32_t(mask.range(32 * w + 31, 32 * w).to_uint());
}

void RtlControl::trace(sc_core::sc_trace_file* tf, const std::string& prefix,
                       std::vector<std::pair<std::string, int>>& names) const {
  auto add = [&](const auto& signal, const char* port, int width) {
    sc_core::sc_trace(tf, signal, prefix + "." + port);
    names.emplace_back("SystemC." + prefix + "." + port, width);
  };
  add(clk_, "clk", 1);
  add(psel_, "psel", 1);
  add(penable_, "penable", 1);
  add(pwrite_, "pwrite", 1);
  add(paddr_, "paddr", 32);
  add(pwdata_, "pwdata", 32);
  add(prdata_, "prdata", 32);
  add(pready_, "pready", 1);
  add(pslverr_, "pslverr", 1);
  add(dp_busy_, "dp_busy", 1);
  add(dp_done_valid_, "dp_done_valid", 1);
  add(dp_done_slot_, "dp_done_slot", 32);
  add(dp_done_id_, "dp_done_id", 64);
  add(dp_done_steps_, "dp_done_steps", 32);  // a decoded sequence's steps (DONE_STEPS)
  add(dp_err_valid_, "dp_err_valid", 1);
  add(dp_fail_valid_, "dp_fail_valid", 1);
  add(dp_raise_, "dp_raise", 32);
  add(ctl_start_, "ctl_start", 1);
  add(ctl_push_, "ctl_push", 1);
  add(ctl_push_slot_, "ctl_push_slot", 32);
  add(ctl_push_id_, "ctl_push_id", 64);
  add(ctl_push_length_, "ctl_push_length", 32);
  add(ctl_push_padded_, "ctl_push_padded", 32);
  // Encoder-decoder and decoder descriptors (SOURCE, SOURCE_PADDED, FLAGS.run_to_padded).
  add(ctl_push_source_, "ctl_push_source", 32);
  add(ctl_push_source_padded_, "ctl_push_source_padded", 32);
  add(ctl_push_run_to_padded_, "ctl_push_run_to_padded", 1);
  add(ctl_doorbell_, "ctl_doorbell", 1);
  add(ctl_fault_, "ctl_fault", 1);
  add(ctl_error_code_, "ctl_error_code", 32);
  add(irq_pin_, "irq", 1);
}

}  // namespace ebatch
