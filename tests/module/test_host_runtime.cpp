// The host runtime alone, against a small fake accelerator that implements the
// register and memory buses (hw/contract/bus.h) and drives an interrupt line: no
// accelerator model, no DRAM, no TLM. The fake runs every command in a fixed time,
// completing the head sequence of every slot in the mask. Checks the probe (ID, CAPS,
// WEIGHTS_LO/HI), the descriptors and commands the runtime programs, and how it serves
// completions. Built as its own program (runtime_tests) that links ebatch_runtime and
// nothing of hw/ but the contract: the runtime needs no accelerator model to link or run.
// Each TEST elaborates once (one test per process).
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/errors.h"
#include "common/experiment.h"
#include "hw/contract/bus.h"
#include "hw/contract/register_map.h"
#include "runtime/host_runtime.h"
#include "runtime/policy.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using namespace regs;

class FakeAccelerator : public sc_core::sc_module, public RegisterBus, public MemoryBus {
 public:
  sc_core::sc_signal<bool> irq{"irq"};
  std::uint32_t id = kIdValue | 1, caps = 0;
  const sc_time access_time{10, SC_NS}, command_time{3, sc_core::SC_US};

  struct Access {
    bool write;
    std::uint32_t address, value;
  };
  std::vector<Access> timed;  // every timed register access, in order
  std::map<std::uint32_t, std::uint32_t> debug_writes;
  int debug_reads = 0, commands = 0;
  struct Pushed {
    int slot;
    std::uint64_t id, length, padded, in, out;
  };
  std::vector<Pushed> pushed;
  std::vector<std::uint32_t> masks;  // SLOT_MASK0 at each START
  std::uint64_t memory_bytes = 0;

  SC_HAS_PROCESS(FakeAccelerator);
  FakeAccelerator(sc_core::sc_module_name name, int slots) : sc_module(name), queues_(std::size_t(slots)) {
    SC_METHOD(finish_command);
    sensitive << finish_;
    dont_initialize();
    SC_METHOD(drive_irq);
    sensitive << update_;
  }

  bool read32(std::uint32_t address, std::uint32_t& value, sc_time& delay) override {
    value = read(address);
    timed.push_back({false, address, value});
    delay += access_time;
    return true;
  }
  bool write32(std::uint32_t address, std::uint32_t value, sc_time& delay) override {
    timed.push_back({true, address, value});
    write(address, value, delay);
    delay += access_time;
    return true;
  }
  bool debug_read32(std::uint32_t address, std::uint32_t& value) override {
    ++debug_reads;
    value = address == kId ? id : address == kCaps ? caps : 0;
    return true;
  }
  bool debug_write32(std::uint32_t address, std::uint32_t value) override {
    debug_writes[address] = value;
    return true;
  }
  bool transfer(bool, std::uint64_t, unsigned char*, std::uint64_t bytes, sc_time& delay) override {
    memory_bytes += bytes;
    delay += sc_time(double(bytes), sc_core::SC_PS);  // 1 byte per ps
    return true;
  }
  bool debug_transfer(bool, std::uint64_t, void*, std::uint64_t) override { return true; }

 private:
  std::uint32_t read(std::uint32_t address) {
    switch (address) {
      case kIrqStatus:
        return status_;
      case kDoneCount:
        return std::uint32_t(done_.size());
      case kDonePop: {
        if (done_.empty()) return 0;
        popped_ = done_.front();
        done_.pop_front();
        if (done_.empty()) status_ &= ~kIrqSeqDone;
        gap_ = !done_.empty();  // one rising edge per completion
        update_.notify(sc_core::SC_ZERO_TIME);
        return 0x80000000u | std::uint32_t(popped_.slot);
      }
      case kDoneIdLo:
        return std::uint32_t(popped_.id & 0xffffffffu);
      case kDoneIdHi:
        return std::uint32_t(popped_.id >> 32);
      default:
        return 0;
    }
  }
  void write(std::uint32_t address, std::uint32_t value, const sc_time& delay) {
    if (address >= kSlotBase) {
      const int slot = int((address - kSlotBase) / kSlotStride);
      const std::uint32_t offset = (address - kSlotBase) % kSlotStride;
      staged_[slot][offset] = value;
      if (offset == kSlotPush) {
        auto& s = staged_[slot];
        const auto word64 = [&](std::uint32_t lo) { return std::uint64_t(s[lo]) | (std::uint64_t(s[lo + 4]) << 32); };
        pushed.push_back(
            {slot, word64(kSlotIdLo), s[kSlotLength], s[kSlotPadded], word64(kSlotInLo), word64(kSlotOutLo)});
        queues_[std::size_t(slot)].push_back(pushed.back().id);
      }
      return;
    }
    if (address == kIrqStatus) {
      status_ &= ~value;
      if (!done_.empty()) status_ |= kIrqSeqDone;
      update_.notify(sc_core::SC_ZERO_TIME);
    } else if (address == kIrqEnable) {
      enable_ = value;
    } else if (address == kSlotMask0) {
      mask_ = value;
    } else if (address == kCtrl && (value & 1)) {
      ++commands;
      masks.push_back(mask_);
      finish_.notify(delay + command_time);
    }
  }
  void finish_command() {
    for (std::size_t s = 0; s < queues_.size(); ++s)
      if ((mask_ >> s) & 1 && !queues_[s].empty()) {
        done_.push_back({int(s), queues_[s].front()});
        queues_[s].pop_front();
      }
    status_ |= kIrqCmdDone | (done_.empty() ? 0 : kIrqSeqDone);
    update_.notify(sc_core::SC_ZERO_TIME);
  }
  void drive_irq() {
    if (gap_) {
      gap_ = false;
      irq.write(false);
      update_.notify(sc_time(1, SC_NS));
      return;
    }
    irq.write((status_ & enable_) != 0);
  }

  struct Done {
    int slot = 0;
    std::uint64_t id = 0;
  };
  std::vector<std::deque<std::uint64_t>> queues_;
  std::map<int, std::map<std::uint32_t, std::uint32_t>> staged_;
  std::deque<Done> done_;
  Done popped_;
  std::uint32_t status_ = 0, enable_ = 0, mask_ = 0;
  bool gap_ = false;
  sc_core::sc_event finish_, update_;
};

Experiment experiment(const std::vector<Override>& overrides) {
  return load_experiment(test::repo_path("configs/experiments/default.yaml"), overrides);
}

// Seven requests, all at time 0 (the workload generator lives in tb/, above the runtime).
std::vector<Request> requests() {
  std::vector<Request> r;
  for (std::int64_t length : {5, 9, 3, 7, 2, 8, 4}) r.push_back({std::int64_t(r.size()), 0.0, length});
  return r;
}

struct Bench {
  Experiment e;
  std::unique_ptr<BatchingPolicy> policy;
  FakeAccelerator fake;
  HostRuntime runtime;

  Bench(const std::vector<Override>& overrides, int fake_slots, int fake_depth, int fake_layers = -1)
      : e(experiment(overrides)),
        policy(make_policy(e, e.policy.window_steps)),
        fake("fake", fake_slots),
        runtime("runtime", e, requests(), *policy, fake, fake) {
    fake.caps = make_caps(std::uint32_t(fake_slots), std::uint32_t(fake_depth),
                          std::uint32_t(fake_layers < 0 ? e.network.num_layers : fake_layers));
    runtime.irq.bind(fake.irq);
  }
};

const std::vector<Override> kPadded = {{"policy", "{kind: padded, slots: 3, batch_timeout: 1 ms}"}};

TEST(HostRuntimeAlone, ProbesProgramsDescriptorsAndServesEveryCompletion) {
  Bench b(kPadded, 4, 1);
  b.runtime.set_weight_image_address(0x100000);
  sc_core::sc_start();
  ASSERT_TRUE(b.runtime.finished());
  EXPECT_EQ(b.runtime.error(), "");
  EXPECT_EQ(b.runtime.completed(), 7u);

  // The probe: ID and CAPS by debug read, the weight image's address by debug write.
  EXPECT_EQ(b.fake.debug_reads, 2);
  EXPECT_EQ(b.runtime.capabilities().platform, 1u);
  EXPECT_EQ(b.runtime.capabilities().slots, 4);
  EXPECT_EQ(b.runtime.capabilities().queue_depth, 1);
  EXPECT_EQ(b.runtime.capabilities().layers, b.e.network.num_layers);
  EXPECT_EQ(b.fake.debug_writes[kWeightsLo], 0x100000u);
  EXPECT_EQ(b.fake.debug_writes[kWeightsHi], 0u);
  // The first timed access enables the interrupts.
  ASSERT_FALSE(b.fake.timed.empty());
  EXPECT_TRUE(b.fake.timed.front().write);
  EXPECT_EQ(b.fake.timed.front().address, kIrqEnable);

  // Every request was pushed once, in a slot the policy has, with its length; padded
  // batching pads a batch to its longest; buffers lie above the weight image.
  const std::vector<Request> all = requests();
  ASSERT_EQ(b.fake.pushed.size(), all.size());
  const std::uint64_t image =
      std::uint64_t(b.e.network.total_parameters()) * std::uint64_t(bytes_per_value(b.e.hardware.precision));
  std::map<std::uint64_t, std::uint64_t> length_of;
  for (const auto& r : all) length_of[std::uint64_t(r.id)] = std::uint64_t(r.length);
  for (const auto& p : b.fake.pushed) {
    EXPECT_LT(p.slot, 3);
    EXPECT_EQ(p.length, length_of.at(p.id));
    EXPECT_GE(p.padded, p.length);
    EXPECT_GE(p.in, 0x100000 + image);
    EXPECT_GT(p.out, p.in);
  }
  // Commands: 7 requests in batches of at most 3, each command on the occupied slots.
  EXPECT_EQ(b.fake.commands, 3);
  ASSERT_EQ(b.fake.masks.size(), 3u);
  EXPECT_EQ(b.fake.masks[0], 0b111u);
  EXPECT_EQ(b.fake.masks[2], 0b1u);
  // Each completion popped once, each followed by DONE_ID_LO/HI.
  int pops = 0;
  for (std::size_t i = 0; i < b.fake.timed.size(); ++i)
    if (!b.fake.timed[i].write && b.fake.timed[i].address == kDonePop && (b.fake.timed[i].value & 0x80000000u)) {
      ++pops;
      ASSERT_LT(i + 2, b.fake.timed.size());
      EXPECT_EQ(b.fake.timed[i + 1].address, kDoneIdLo);
      EXPECT_EQ(b.fake.timed[i + 2].address, kDoneIdHi);
    }
  EXPECT_EQ(pops, 7);
  // Inputs in, outputs back: the runtime moved data over the memory bus only.
  EXPECT_GT(b.fake.memory_bytes, 0u);
}

void expect_refused(Bench& b, const std::string& key) {
  try {
    sc_core::sc_start();
    ADD_FAILURE() << "the probe accepted the accelerator";
  } catch (const InputError& error) {
    EXPECT_CONTAINS(error.what(), "key '" + key + "'");
    EXPECT_CONTAINS(error.what(), "CAPS");
  }
  EXPECT_TRUE(b.fake.timed.empty());  // refused at probe time, before any timed access
}

TEST(HostRuntimeAlone, RefusesAPolicyThatNeedsMoreSlotsThanTheAcceleratorHas) {
  Bench b(kPadded, 2, 1);
  expect_refused(b, "policy.slots");
}

TEST(HostRuntimeAlone, RefusesAPolicyThatNeedsADeeperQueueThanTheAcceleratorHas) {
  Bench b({{"policy.window_steps", "8"}, {"policy.slot_queue_depth", "3"}}, 8, 2);
  expect_refused(b, "policy.slot_queue_depth");
}

TEST(HostRuntimeAlone, RefusesANetworkWithMoreLayersThanTheAcceleratorHas) {
  Bench b(kPadded, 4, 1, 2);
  expect_refused(b, "network.layers");
}

TEST(HostRuntimeAlone, RefusesTheCommandQueueWhenCapsDoesNotOfferIt) {
  Bench b({{"policy", "{kind: cellular, slots: 4, in_flight: slots, command_mode: queue}"}}, 4,
          1);  // CAPS bit 15 clear
  expect_refused(b, "policy.command_mode");
}

TEST(HostRuntimeAlone, RefusesADeviceWithoutTheSignature) {
  Bench b(kPadded, 4, 1);
  b.fake.id = 0x12340001;
  try {
    sc_core::sc_start();
    ADD_FAILURE() << "the probe accepted the accelerator";
  } catch (const InputError& error) {
    EXPECT_CONTAINS(error.what(), "0x12340001");
    EXPECT_CONTAINS(error.what(), "not an E-BATCH accelerator");
  }
}

}  // namespace
}  // namespace ebatch
