// The accelerator alone (E-PUR; the TPU for the weight image), driven through its register map by a small test
// initiator over the contract's TLM buses, as a driver or an RTL testbench would:
// program a slot descriptor, PUSH, set mask/steps/layers, START, take the interrupt,
// pop the completion, clear IRQ_STATUS.
// Its memory is a recording target that answers at once, so the pass time is the
// platform's compute time alone. Each TEST elaborates once (one test per process).
#include <gtest/gtest.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/register_map.h"
#include "hw/contract/tlm_bus.h"
#include "hw/energy_counters.h"
#include "hw/epur/epur_accelerator.h"
#include "hw/platform_models.h"
#include "hw/tpu/tpu_accelerator.h"
#include "tests/test_support.h"
#include "tests/unit/epur_closed_form.h"

namespace ebatch {
namespace {

using sc_core::sc_time;
using sc_core::sc_time_stamp;
using namespace regs;

// A memory that answers every access at once (no delay) and records it.
struct RecordingMemory : sc_core::sc_module {
  struct Access {
    bool write;
    std::uint64_t address, bytes;
  };
  tlm_utils::simple_target_socket<RecordingMemory> socket;
  std::vector<Access> log;

  // Debug-transport contents of [kRingBase, kRingBase + ring.size()) (the command ring).
  static constexpr std::uint64_t kRingBase = 0x30000000;
  std::vector<std::uint32_t> ring = std::vector<std::uint32_t>(1024, 0);

  explicit RecordingMemory(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    socket.register_b_transport(this, &RecordingMemory::b_transport);
    socket.register_transport_dbg(this, &RecordingMemory::transport_dbg);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& t) {
    const std::uint64_t end = kRingBase + ring.size() * 4;
    if (!t.is_read() || t.get_address() < kRingBase || t.get_address() + t.get_data_length() > end) return 0;
    std::memcpy(t.get_data_ptr(), reinterpret_cast<unsigned char*>(ring.data()) + (t.get_address() - kRingBase),
                t.get_data_length());
    return t.get_data_length();
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_time&) {
    log.push_back({t.is_write(), t.get_address(), t.get_data_length()});
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  std::uint64_t bytes_read_in(std::uint64_t from, std::uint64_t to) const {
    std::uint64_t n = 0;
    for (const auto& a : log)
      if (!a.write && a.address >= from && a.address + a.bytes <= to) n += a.bytes;
    return n;
  }
};

// Register accesses one at a time over the contract's TLM buses (TlmHostBus), each followed
// by a wait for its annotated delay, so kernel time is the register-level time.
struct RegisterDriver : sc_core::sc_module {
  TlmHostBus bus{"bus"};
  sc_core::sc_in<bool> irq;
  std::function<void(RegisterDriver&)> body;
  bool finished = false;
  std::vector<sc_time> access_delays;

  SC_HAS_PROCESS(RegisterDriver);
  RegisterDriver(sc_core::sc_module_name name, std::function<void(RegisterDriver&)> b)
      : sc_module(name), irq("irq"), body(std::move(b)) {
    SC_THREAD(run);
  }
  void run() {
    body(*this);
    finished = true;
  }
  std::uint32_t access(bool write, std::uint32_t address, std::uint32_t value) {
    sc_time delay = sc_core::SC_ZERO_TIME;
    const bool ok = write ? bus.write32(address, value, delay) : bus.read32(address, value, delay);
    EXPECT_TRUE(ok) << "register " << address;
    access_delays.push_back(delay);
    wait(delay);
    return value;
  }
  std::uint32_t read(std::uint32_t address) { return access(false, address, 0); }
  // A write issued `offset` ahead of kernel time (a loosely timed initiator's local time),
  // without waiting: the kernel's time stays where it is.
  void write_ahead(std::uint32_t address, std::uint32_t value, sc_time offset) {
    EXPECT_TRUE(bus.write32(address, value, offset)) << "register " << address;
  }
  int layers = 1;  // the network's
  // Starts a command on the slots in `mask` (slots 0-31): every layer, as many steps as
  // possible. Returns the time START was written.
  sc_time start(std::uint32_t mask) {
    write(kSlotMask0, mask);
    write(kCmdSteps, 0);
    write(kCmdLayers, std::uint32_t(layers - 1) << 8);
    const sc_time at = sc_time_stamp();
    write(kCtrl, 1);
    return at;
  }
  void write(std::uint32_t address, std::uint32_t value) { access(true, address, value); }
  void write64(std::uint32_t lo, std::uint64_t value) {
    write(lo, std::uint32_t(value & 0xffffffffu));
    write(lo + 4, std::uint32_t(value >> 32));
  }
  // Stages and pushes one sequence into `slot`.
  void push(int slot, std::uint64_t id, std::uint32_t length, std::uint64_t in, std::uint64_t out) {
    write64(slot_reg(slot, kSlotIdLo), id);
    write(slot_reg(slot, kSlotLength), length);
    write(slot_reg(slot, kSlotPadded), 0);  // 0: as many as useful
    write64(slot_reg(slot, kSlotInLo), in);
    write64(slot_reg(slot, kSlotOutLo), out);
    write(slot_reg(slot, kSlotPush), 1);
  }
};

// The accelerator of the experiment's platform (E-PUR or the TPU).
std::unique_ptr<Accelerator> make_accelerator(const Experiment& e, EnergyCounters& energy, int slots, int depth) {
  return ebatch::make_accelerator("accelerator", e, energy, slots, depth);
}

struct Bench {
  Experiment e;
  EnergyCounters energy;
  std::unique_ptr<Accelerator> owned;
  Accelerator& accelerator;
  RecordingMemory memory{"memory"}, host_memory{"host_memory"};
  RegisterDriver driver;
  sc_core::sc_signal<bool> irq{"irq"};
  static constexpr int kSlots = 2, kDepth = 3;

  explicit Bench(std::function<void(RegisterDriver&)> body, const std::string& config = "default.yaml")
      : e(load_experiment(test::repo_path("configs/experiments/" + config), {})),
        owned(make_accelerator(e, energy, kSlots, kDepth)),
        accelerator(*owned),
        driver("driver", std::move(body)) {
    accelerator.mem.bind(memory.socket);
    driver.bus.reg_socket.bind(accelerator.regs);
    driver.bus.mem_socket.bind(host_memory.socket);
    accelerator.irq.bind(irq);
    driver.irq.bind(irq);
    driver.layers = e.network.num_layers;
  }
  sc_time cycle() const { return sc_time(1.0 / e.hardware.frequency_hz, sc_core::SC_SEC); }
  double count(const std::string& component, const std::string& action) { return energy.count(component, action); }
};

constexpr std::uint64_t kInputs = 0x10000000, kOutputs = 0x20000000;

TEST(AcceleratorRegisters, OneSequenceFromDescriptorToCompletionWithRegisterLevelTiming) {
  const std::uint64_t id = 0x100000007ull;  // uses the high id word
  const std::uint32_t steps = 5;
  sc_time started, interrupted;
  std::uint32_t status_at_irq = 0, pop = 0, id_lo = 0, id_hi = 0, queued = 0, count_before = 0, count_after = 0;
  std::uint32_t status_after_seq_clear = 0, status_after_clear = 0, busy_after = 0, second_pop = 0, caps = 0, ident = 0;
  bool line_after_clear = true;
  Bench b([&](RegisterDriver& d) {
    ident = d.read(kId);
    caps = d.read(kCaps);
    d.write(kIrqEnable, kIrqSeqDone | kIrqCmdDone | kIrqError);
    d.push(1, id, steps, kInputs, kOutputs);
    queued = d.read(slot_reg(1, kSlotQueued));
    started = d.start(1u << 1);
    if (!d.irq.read()) wait(d.irq.posedge_event());
    interrupted = sc_time_stamp();
    status_at_irq = d.read(kIrqStatus);
    count_before = d.read(kDoneCount);
    pop = d.read(kDonePop);
    id_lo = d.read(kDoneIdLo);
    id_hi = d.read(kDoneIdHi);
    count_after = d.read(kDoneCount);
    d.write(kIrqStatus, kIrqSeqDone);  // write 1 to clear: SEQ_DONE only
    status_after_seq_clear = d.read(kIrqStatus);
    d.write(kIrqStatus, kIrqCmdDone);
    status_after_clear = d.read(kIrqStatus);
    line_after_clear = d.irq.read();
    busy_after = d.read(kStatus);
    second_pop = d.read(kDonePop);
  });
  sc_core::sc_start();
  ASSERT_TRUE(b.driver.finished);

  EXPECT_EQ(ident, kIdValue | 0u);  // E-PUR
  EXPECT_EQ(caps, make_caps(Bench::kSlots, Bench::kDepth, std::uint32_t(b.e.network.num_layers)) | kCapsCommandQueue);
  EXPECT_EQ(queued, 1u);
  // The command starts when START is written; the interrupt comes exactly the closed-form
  // compute time later (one pass per layer, memory without delay).
  const test::EpurClosedForm form(b.e.hardware, b.e.network);
  EXPECT_EQ(interrupted - started, double(form.sequence_cycles(steps)) * b.cycle());
  EXPECT_EQ(status_at_irq, kIrqSeqDone | kIrqCmdDone);
  EXPECT_EQ(count_before, 1u);
  EXPECT_EQ(pop, 0x80000000u | 1u);  // valid, slot 1
  EXPECT_EQ(id_lo, 7u);
  EXPECT_EQ(id_hi, 1u);
  EXPECT_EQ(count_after, 0u);
  EXPECT_EQ(status_after_seq_clear, kIrqCmdDone);
  EXPECT_EQ(status_after_clear, 0u);
  EXPECT_FALSE(line_after_clear);
  EXPECT_EQ(busy_after, 0u);
  EXPECT_EQ(second_pop, 0u);  // nothing left: not valid
  // Every access takes two accelerator cycles, and counts one register access.
  for (const sc_time& t : b.driver.access_delays) EXPECT_EQ(t, 2 * b.cycle());
  EXPECT_EQ(b.count("control", "register_access"), double(b.driver.access_delays.size()));
  EXPECT_EQ(b.count("control", "interrupt"), 2.0);  // SEQ_DONE, CMD_DONE
  EXPECT_EQ(b.accelerator.stats().passes, std::uint64_t(b.e.network.num_layers));
  // The inputs were read from the descriptor's address: steps x input_size values, once per
  // direction of the first layer.
  EXPECT_EQ(b.memory.bytes_read_in(kInputs, kOutputs), std::uint64_t(b.e.network.directions()) * steps *
                                                           std::uint64_t(b.e.network.input_size) *
                                                           std::uint64_t(bytes_per_value(b.e.hardware.precision)));
}

// A loosely timed host writes START 1000 cycles ahead of kernel time (its local time, t0 +
// 1000 cycles): the command starts then, not at t0. Hand-worked, EESEN on E-PUR, 5 steps,
// memory without delay: the interrupt comes at t0 + 1000 cycles + the closed-form compute
// time of the sequence (one pass per layer); at t0 + 500 cycles STATUS still reads BUSY (the
// start is pending) and no layer ran. Acknowledging CMD_DONE | SEQ_DONE 1000 cycles ahead drops
// the line at that time: still high 500 cycles later, low 1001 cycles later.
TEST(AcceleratorRegisters, StartAndAcknowledgeWrittenAheadTakeEffectAtTheHostsLocalTime) {
  const std::uint32_t steps = 5;
  sc_time t0, interrupted, acked;
  std::uint32_t status_pending = 0;
  std::uint64_t passes_pending = 1;
  bool line_before_ack = false, line_after_ack = true;
  Bench* bench = nullptr;
  Bench b([&](RegisterDriver& d) {
    d.write(kIrqEnable, kIrqSeqDone | kIrqCmdDone | kIrqError);
    d.push(0, 1, steps, kInputs, kOutputs);
    d.write(kSlotMask0, 1);
    d.write(kCmdSteps, 0);
    d.write(kCmdLayers, std::uint32_t(d.layers - 1) << 8);
    const sc_time ahead = 1000 * bench->cycle();
    t0 = sc_time_stamp();
    d.write_ahead(kCtrl, 1, ahead);
    wait(500 * bench->cycle());
    passes_pending = bench->accelerator.stats().passes;
    status_pending = d.read(kStatus);
    if (!d.irq.read()) wait(d.irq.posedge_event());
    interrupted = sc_time_stamp();
    while (d.read(kDonePop) & 0x80000000u) {
    }
    acked = sc_time_stamp();
    d.write_ahead(kIrqStatus, kIrqSeqDone | kIrqCmdDone, ahead);
    wait(500 * bench->cycle());
    line_before_ack = d.irq.read();
    wait(501 * bench->cycle());
    line_after_ack = d.irq.read();
  });
  bench = &b;
  sc_core::sc_start();
  ASSERT_TRUE(b.driver.finished);
  const test::EpurClosedForm form(b.e.hardware, b.e.network);
  EXPECT_EQ(passes_pending, 0u);
  EXPECT_EQ(status_pending & kStatusBusy, kStatusBusy);
  EXPECT_EQ(interrupted - t0, (1000.0 + double(form.sequence_cycles(steps))) * b.cycle());
  EXPECT_GT(acked, interrupted);
  EXPECT_TRUE(line_before_ack);
  EXPECT_FALSE(line_after_ack);
}

// The command queue: two descriptors in a 4-entry ring, each running one of two queued
// sequences (5 steps; slot 0, then slot 1) through every layer, the second flagged IRQ; one
// doorbell (CQ_TAIL = 2) at t0. Hand-worked, EESEN on E-PUR, memory without delay (weight
// loads and the descriptor read take no time): with C = the closed-form compute cycles of one
// 5-step sequence, SEQ_DONE alone at t0 + C (no CMD_DONE: not flagged, the ring not drained),
// SEQ_DONE | CMD_DONE at t0 + 2C; 3 interrupts, 2 commands, CQ_HEAD 2; the accelerator read
// the two descriptors with one 96-byte DRAM read at the ring's base.
TEST(AcceleratorRegisters, CommandQueueRunsTheRungDescriptorsWithOneCmdDone) {
  const std::uint32_t steps = 5;
  sc_time t0, first, second;
  std::uint32_t first_status = 0, second_status = 0, head = 0, busy_after = 0;
  Bench* bench = nullptr;
  Bench b([&](RegisterDriver& d) {
    d.write(kIrqEnable, kIrqSeqDone | kIrqCmdDone | kIrqError);
    d.push(0, 1, steps, kInputs, kOutputs);
    d.push(1, 2, steps, kInputs + 0x1000, kOutputs + 0x1000);
    auto& ring = bench->memory.ring;
    for (std::uint32_t i = 0; i < 2; ++i) {
      std::uint32_t* desc = ring.data() + i * kCmdDescriptorBytes / 4;
      desc[kCmdFlags / 4] = i == 1 ? kCmdIrq : 0;
      desc[kCmdDescSteps / 4] = 0;
      desc[kCmdDescLayers / 4] = std::uint32_t(d.layers - 1) << 8;
      desc[kCmdDescMask0 / 4] = 1u << i;
    }
    d.write64(kCqBaseLo, RecordingMemory::kRingBase);
    d.write(kCqSize, 4);
    t0 = sc_time_stamp();
    d.write(kCqTail, 2);
    if (!d.irq.read()) wait(d.irq.posedge_event());
    first = sc_time_stamp();
    first_status = d.read(kIrqStatus);
    d.read(kDonePop);
    d.write(kIrqStatus, first_status);
    if (!d.irq.read()) wait(d.irq.posedge_event());
    second = sc_time_stamp();
    second_status = d.read(kIrqStatus);
    d.read(kDonePop);
    d.write(kIrqStatus, second_status);
    head = d.read(kCqHead);
    busy_after = d.read(kStatus);
  });
  bench = &b;
  sc_core::sc_start();
  ASSERT_TRUE(b.driver.finished);
  const test::EpurClosedForm form(b.e.hardware, b.e.network);
  const sc_time c = double(form.sequence_cycles(steps)) * b.cycle();
  EXPECT_EQ(first - t0, c);
  EXPECT_EQ(first_status, kIrqSeqDone);
  EXPECT_EQ(second - t0, 2 * c);
  EXPECT_EQ(second_status, kIrqSeqDone | kIrqCmdDone);
  EXPECT_EQ(head, 2u);
  EXPECT_EQ(busy_after & kStatusBusy, 0u);
  EXPECT_EQ(b.accelerator.stats().commands, 2u);
  EXPECT_EQ(b.accelerator.stats().interrupts, 3u);
  EXPECT_EQ(b.memory.bytes_read_in(RecordingMemory::kRingBase, RecordingMemory::kRingBase + 4096),
            2u * kCmdDescriptorBytes);
}

void expect_weights_read_where_weights_lo_hi_say(const std::string& config) {
  const std::uint64_t weights = 0x100000000ull + 0x40000;  // above 4 GiB: the high word counts
  std::uint64_t read_back = 0;
  Bench b(
      [&](RegisterDriver& d) {
        d.write64(kWeightsLo, weights);
        read_back = d.read(kWeightsLo) | (std::uint64_t(d.read(kWeightsHi)) << 32);
        d.write(kIrqEnable, kIrqCmdDone);
        d.push(0, 1, 3, kInputs, kOutputs);
        d.start(1);
        wait(d.irq.posedge_event());
      },
      config);
  sc_core::sc_start();
  ASSERT_TRUE(b.driver.finished);
  EXPECT_EQ(read_back, weights);
  const std::uint64_t image =
      std::uint64_t(b.e.network.total_parameters()) * std::uint64_t(bytes_per_value(b.e.hardware.precision));
  ASSERT_GT(b.accelerator.stats().weight_load_bytes, 0u);
  EXPECT_EQ(b.memory.bytes_read_in(weights, weights + image),
            b.accelerator.stats().weight_load_bytes + b.accelerator.stats().weight_stream_bytes);
  // Every access is a weight read, an input read or an output write: none near address 0.
  for (const auto& a : b.memory.log) {
    const bool in_weights = a.address >= weights && a.address + a.bytes <= weights + image;
    const bool in_buffers = a.address >= kInputs && a.address < weights;
    EXPECT_TRUE(in_weights || in_buffers) << "access at " << a.address;
  }
}

TEST(AcceleratorRegisters, EpurReadsTheWeightsWhereWeightsLoHiSay) {
  expect_weights_read_where_weights_lo_hi_say("default.yaml");
}

TEST(AcceleratorRegisters, TpuReadsTheWeightsWhereWeightsLoHiSay) {
  expect_weights_read_where_weights_lo_hi_say("eesen_tpu.yaml");
}

TEST(AcceleratorRegisters, DebugAccessesTakeNoTimeAndHaveNoSideEffects) {
  std::uint32_t ident = 0, caps = 0, weights_lo = 0, pop = 1;
  bool ident_ok = false, caps_ok = false, write_ok = false, ctrl_ok = true, pop_ok = false;
  sc_time before, after;
  std::uint32_t count = 0, status = 0;
  Bench b([&](RegisterDriver& d) {
    before = sc_time_stamp();
    ident_ok = d.bus.debug_read32(kId, ident);
    caps_ok = d.bus.debug_read32(kCaps, caps);
    write_ok = d.bus.debug_write32(kWeightsLo, 0x4000);
    d.bus.debug_read32(kWeightsLo, weights_lo);
    ctrl_ok = d.bus.debug_write32(kCtrl, 1);  // START by debug access: refused
    after = sc_time_stamp();
    // A completion waiting: a debug read of DONE_POP leaves it there.
    d.write(kIrqEnable, kIrqSeqDone);
    d.push(0, 9, 2, kInputs, kOutputs);
    d.start(1);
    wait(d.irq.posedge_event());
    pop_ok = d.bus.debug_read32(kDonePop, pop);
    count = d.read(kDoneCount);
    status = d.read(kStatus);
  });
  sc_core::sc_start();
  ASSERT_TRUE(b.driver.finished);
  EXPECT_TRUE(ident_ok);
  EXPECT_EQ(ident, kIdValue);
  EXPECT_TRUE(caps_ok);
  EXPECT_EQ(caps_slots(caps), std::uint32_t(Bench::kSlots));
  EXPECT_EQ(caps_queue_depth(caps), std::uint32_t(Bench::kDepth));
  EXPECT_EQ(caps_layers(caps), std::uint32_t(b.e.network.num_layers));
  EXPECT_TRUE(write_ok);
  EXPECT_EQ(weights_lo, 0x4000u);
  EXPECT_FALSE(ctrl_ok);
  EXPECT_EQ(after, before);
  EXPECT_TRUE(pop_ok);
  EXPECT_EQ(pop, 0u);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(status, 0u);  // the refused debug START did not start a command or raise an error
  // Only the timed accesses count energy: 9 to push and start, 2 reads.
  EXPECT_EQ(b.count("control", "register_access"), double(b.driver.access_delays.size()));
}

}  // namespace
}  // namespace ebatch
