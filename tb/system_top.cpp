#include "tb/system_top.h"

#include "common/errors.h"
#include "common/units.h"
#include "hw/platform_models.h"

namespace ebatch {

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
      host_bus("host_bus"),
      runtime("runtime", e, std::move(requests), *policy, host_bus, host_bus),
      irq("irq") {
#ifdef EBATCH_CHECKS
  host_bus.reg_socket.bind(reg_check.target);
  reg_check.initiator.bind(accelerator->regs);
  host_bus.mem_socket.bind(host_mem_check.target);
  host_mem_check.initiator.bind(dram.socket);
  accelerator->mem.bind(accelerator_mem_check.target);
  accelerator_mem_check.initiator.bind(dram.socket);
#else
  host_bus.reg_socket.bind(accelerator->regs);
  host_bus.mem_socket.bind(dram.socket);
  accelerator->mem.bind(dram.socket);
#endif
  accelerator->irq.bind(irq);
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
