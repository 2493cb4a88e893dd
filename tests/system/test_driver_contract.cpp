// The driver contract end to end: the host runtime over TLM buses (TlmHostBus) against
// the real E-PUR model and DRAM, built here rather than by run_experiment so that the
// accelerator and the runtime's DRAM layout can disagree with the shipped flow: an
// accelerator with fewer slots than the policy wants, and a weight image moved away from
// address 0. Each TEST elaborates once (one test per process).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/errors.h"
#include "common/experiment.h"
#include "hw/contract/tlm_bus.h"
#include "hw/dram.h"
#include "hw/energy_counters.h"
#include "hw/epur/epur_accelerator.h"
#include "runtime/host_runtime.h"
#include "runtime/policy.h"
#include "tb/workload.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

struct System : sc_core::sc_module {
  Experiment e;
  EnergyCounters energy;
  std::unique_ptr<BatchingPolicy> policy;
  Dram dram;
  EpurAccelerator accelerator;
  TlmHostBus bus;
  HostRuntime runtime;
  sc_core::sc_signal<bool> irq;

  // `accelerator_slots` 0: as many as the policy has.
  System(const std::vector<Override>& overrides, int accelerator_slots = 0)
      : sc_module("top"),
        e(load_experiment(test::repo_path("configs/experiments/default.yaml"), overrides)),
        policy(make_policy(e, e.policy.window_steps)),
        dram("dram", e.hardware.dram, energy, false),
        accelerator("accelerator", e, energy, accelerator_slots ? accelerator_slots : policy->slots(),
                    policy->queue_depth()),
        bus("bus"),
        runtime("runtime", e, generate_requests(e.workload), *policy, bus, bus),
        irq("irq") {
    bus.reg_socket.bind(accelerator.regs);
    bus.mem_socket.bind(dram.socket);
    accelerator.mem.bind(dram.socket);
    accelerator.irq.bind(irq);
    runtime.irq.bind(irq);
  }
  std::uint64_t weight_image_bytes() const {
    return std::uint64_t(e.network.total_parameters()) * std::uint64_t(bytes_per_value(e.hardware.precision));
  }
};

const std::vector<Override> kSmall = {{"workload.requests", "6"}, {"policy.window_steps", "16"}};

TEST(DriverContract, AnAcceleratorWithFewerSlotsThanThePolicyIsRefusedAtProbe) {
  System top(kSmall, 4);  // the policy wants 8
  ASSERT_EQ(top.policy->slots(), 8);
  try {
    sc_core::sc_start();
    ADD_FAILURE() << "the runtime accepted an accelerator with 4 slots for a policy of 8";
  } catch (const InputError& error) {
    EXPECT_CONTAINS(error.what(), "default.yaml: key 'policy.slots': ");
    EXPECT_CONTAINS(error.what(), "needs 8, the accelerator offers 4 (CAPS register)");
  }
  EXPECT_EQ(top.accelerator.stats().commands, 0u);
  EXPECT_EQ(top.energy.count("control", "register_access"), 0.0);
}

TEST(DriverContract, TheAcceleratorReadsTheWeightsWhereTheRuntimePutThem) {
  System top(kSmall);
  const std::uint64_t moved = 64ull << 20;
  top.runtime.set_weight_image_address(moved);
  top.dram.poison(0, top.weight_image_bytes());  // where the weights used to be
  sc_core::sc_start();
  ASSERT_TRUE(top.runtime.finished());
  EXPECT_EQ(top.runtime.error(), "");
  EXPECT_TRUE(top.runtime.failed().empty());
  EXPECT_EQ(top.runtime.completed(), 6u);
  EXPECT_GT(top.accelerator.stats().weight_load_bytes, 0u);
  EXPECT_GE(top.runtime.dram_bytes_needed(), moved + top.weight_image_bytes());
}

TEST(DriverContract, PoisonedWeightsAtTheProgrammedAddressFailTheRun) {
  // The control for the test above: the same poison where the weights are does hit.
  System top(kSmall);
  top.dram.poison(0, top.weight_image_bytes());
  sc_core::sc_start();
  ASSERT_TRUE(top.runtime.finished());
  EXPECT_CONTAINS(top.runtime.error(), "DRAM error response");
}

}  // namespace
}  // namespace ebatch
