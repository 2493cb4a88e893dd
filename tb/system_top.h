// The system top: instantiates the host runtime, the accelerator of the experiment's
// platform, the DRAM and the interrupt line, and binds them (like the top modules of the
// Accellera TLM examples). It only builds and binds; outputs and checks attach to it as
// observers (tb/run_observer.h), and run_experiment (tb/simulation.h) runs it.
//
//   HostRuntime -> TlmHostBus --reg_socket--> Accelerator.regs   (register map)
//   HostRuntime -> TlmHostBus --mem_socket--> Dram.socket        (inputs, outputs)
//   Accelerator --mem------------------------> Dram.socket       (weights, activations)
//   Accelerator.irq ---sc_signal<bool>---> HostRuntime.irq
// With hardware.control: rtl the register bus and the interrupt go to the RTL control block:
//   HostRuntime -> TlmHostBus --reg_socket--> RtlControl.regs --APB pins--> ebatch_ctrl (RTL)
//   RtlControl.irq ---sc_signal<bool>---> HostRuntime.irq; Accelerator <-> RtlControl (datapath)
// Test builds (EBATCH_CHECKS) put a TLM protocol checker on every initiator-target link.
// In functional runs a FunctionalEngine computes the real values beside the timing.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/experiment.h"
#include "common/rnn_weights.h"
#include "hw/accelerator.h"
#include "hw/contract/tlm_bus.h"
#include "hw/dram.h"
#include "hw/energy_counters.h"
#include "hw/functional_engine.h"
#include "hw/tlm_checker.h"
#ifdef EBATCH_HAVE_RTL
#include "hw/rtl/control/rtl_control.h"
#endif
#include "runtime/host_runtime.h"
#include "runtime/policy.h"
#include "tb/stimulus.h"

namespace ebatch {

// hardware.dram.capacity must hold the runtime's DRAM layout (weights and slot buffers);
// InputError naming the key otherwise.
void check_dram_capacity(const Experiment& e, std::uint64_t needed);

struct SystemTop : sc_core::sc_module {
  EnergyCounters energy;
  std::unique_ptr<BatchingPolicy> policy;
  Dram dram;
  std::unique_ptr<Accelerator> accelerator;
#ifdef EBATCH_HAVE_RTL
  std::unique_ptr<RtlControl> rtl_control;  // hardware.control: rtl only
  // Binds Accelerator.regs under rtl (no initiator uses it then).
  std::unique_ptr<tlm_utils::simple_initiator_socket<SystemTop>> tlm_regs_unused;
#endif
  TlmHostBus host_bus;  // the runtime's register and memory buses over TLM
  HostRuntime runtime;
  sc_core::sc_signal<bool> irq;
  sc_core::sc_signal<bool> tlm_irq_unused{"tlm_irq_unused"};  // the accelerator's line under rtl control
  std::unique_ptr<FunctionalEngine> functional;               // functional runs only
#ifdef EBATCH_CHECKS
  TlmChecker reg_check{"reg_check"}, host_mem_check{"host_mem_check"}, accelerator_mem_check{"accelerator_mem_check"};
#endif

  // `window`/`window_reason`: E-BATCH's N, resolved before elaboration. With `weights` and
  // `inputs` (functional runs) the accelerator computes values and the runtime writes inputs.
  // Throws InputError when the DRAM cannot hold the weights and the slot buffers.
  SystemTop(sc_core::sc_module_name name, const Experiment& e, std::vector<Request> requests, int window,
            const std::string& window_reason, const RnnWeights* weights = nullptr, InputSource* inputs = nullptr);
};

}  // namespace ebatch
