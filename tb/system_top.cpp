#include "tb/system_top.h"

#include "common/errors.h"
#include "common/units.h"
#include "hw/platform_models.h"

namespace ebatch {

namespace {
// The register target the host's bus binds to: the RTL control block's, or the accelerator's.
tlm::tlm_target_socket<>& register_target(SystemTop& top) {
#ifdef EBATCH_HAVE_RTL
  if (top.rtl_control) return top.rtl_control->regs;
#endif
  return top.accelerator->regs;
}
}  // namespace

void check_dram_capacity(const Experiment& e, std::uint64_t needed) {
  if (needed > e.hardware.dram.capacity_bytes)
    throw InputError(e.source_file +
                     ": key 'hardware.dram.capacity': " + units::format_size(double(e.hardware.dram.capacity_bytes)) +
                     " cannot hold the weights and the slot buffers (" + units::format_size(double(needed)) + ")");
}

SystemTop::SystemTop(sc_core::sc_module_name name, const Experiment& e, std::vector<Request> requests, int window,
                     const std::string& window_reason, const RnnWeights* weights, InputSource* inputs)
    : sc_module(name),
      policy(make_policy(e, window, window_reason)),
      dram("dram", e.hardware.dram, energy, false),
      accelerator(make_accelerator("accelerator", e, energy, policy->slots(), policy->queue_depth())),
#ifdef EBATCH_HAVE_RTL
      rtl_control(e.hardware.control == ControlKind::rtl
                      ? std::make_unique<RtlControl>(
                            "rtl_control",
                            RtlControl::Straps{e.hardware.frequency_hz, policy->slots(), policy->queue_depth(),
                                               e.network.num_layers, e.hardware.platform->register_id,
                                               e.network.encoder_decoder()},
                            &energy)
                      : nullptr),
#endif
      host_bus("host_bus"),
      runtime("runtime", e, std::move(requests), *policy, host_bus, host_bus),
      irq("irq") {
#ifdef EBATCH_HAVE_RTL
  if (rtl_control) {
    if (policy->slots() > RtlControl::kMaxSlots || policy->slots() * policy->queue_depth() > RtlControl::kFifoDepth)
      throw InputError(e.source_file + ": key 'hardware.control': the RTL control block holds at most " +
                       std::to_string(RtlControl::kMaxSlots) + " slots and " + std::to_string(RtlControl::kFifoDepth) +
                       " queued sequences (policy.slots x queue depth), not " + std::to_string(policy->slots()) +
                       " x " + std::to_string(policy->queue_depth()));
    rtl_control->attach(accelerator.get());
    accelerator->attach_control(rtl_control.get());
    rtl_control->irq.bind(irq);
    tlm_regs_unused = std::make_unique<tlm_utils::simple_initiator_socket<SystemTop>>("tlm_regs_unused");
    tlm_regs_unused->bind(accelerator->regs);
  }
#endif
#ifdef EBATCH_CHECKS
  host_bus.reg_socket.bind(reg_check.target);
  reg_check.initiator.bind(register_target(*this));
  host_bus.mem_socket.bind(host_mem_check.target);
  host_mem_check.initiator.bind(dram.socket);
  accelerator->mem.bind(accelerator_mem_check.target);
  accelerator_mem_check.initiator.bind(dram.socket);
#else
  host_bus.reg_socket.bind(register_target(*this));
  host_bus.mem_socket.bind(dram.socket);
  accelerator->mem.bind(dram.socket);
#endif
  accelerator->irq.bind(e.hardware.control == ControlKind::rtl ? tlm_irq_unused : irq);
  runtime.irq.bind(irq);
  check_dram_capacity(e, runtime.dram_bytes_needed());
  if (weights && inputs) {
    functional = std::make_unique<FunctionalEngine>(
        *weights, e.hardware.precision, policy->slots(),
        [this](std::uint64_t a, void* d, std::uint64_t n) { dram.debug_read(a, d, n); },
        [this](std::uint64_t a, const void* d, std::uint64_t n) { dram.debug_write(a, d, n); });
    accelerator->set_functional(functional.get());
    runtime.set_functional([inputs](const Request& r, std::vector<float>& rows) { inputs->inputs(r, rows); });
  }
}

}  // namespace ebatch
