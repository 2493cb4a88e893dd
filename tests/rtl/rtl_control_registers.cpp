// The RTL control block (hw/rtl/control/ebatch_ctrl.sv behind RtlControl) against the
// transaction-level register model (TlmControl), side by side: the same seeded, constrained-
// random register traffic (legal and illegal accesses, FIFOs filled to the brim and drained
// past empty, write-one-to-clear racing new completions on the same edge) and the same
// datapath events go to both; every read, every response and every event each block hands
// its datapath must agree. Then the RTL's own assertions fire on purpose (a broken APB
// handshake, a completion the counters say cannot exist). One test per process (SystemC
// elaborates once).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hw/contract/register_map.h"
#include "hw/contract/tlm_control.h"
#include "hw/rtl/control/rtl_control.h"

namespace ebatch {
namespace {

using namespace regs;
using sc_core::SC_NS;
using sc_core::sc_time;

// A datapath that records what its control block tells it. `strict`: it checks the queue
// room itself (the TLM model asks its datapath; the RTL checks its own counters).
struct RecordingDatapath : ControlDatapath {
  RecordingDatapath(const bool& busy, int slots, int depth, bool strict)
      : busy_(busy), depth_(depth), strict_(strict), queued_(std::size_t(slots), 0) {}
  bool control_busy() const override { return busy_; }
  bool control_doorbell_pending() const override { return false; }
  int control_queued(int slot) const override { return queued_[std::size_t(slot)]; }
  std::uint32_t control_cq_head() const override { return cq_head; }
  void control_start(const sc_time&) override { log << "start;"; }
  bool control_push(int slot, const SequenceDescriptor& d, const sc_time&) override {
    if (strict_ && queued_[std::size_t(slot)] >= depth_) return false;
    ++queued_[std::size_t(slot)];
    log << "push " << slot << " " << d.id << " " << d.length << " " << d.padded_length << " " << d.input_address << " "
        << d.output_address << " " << d.source_length << " " << d.source_padded << " " << d.run_to_padded << ";";
    return true;
  }
  void control_doorbell(std::uint32_t tail, const sc_time&) override { log << "doorbell " << tail << ";"; }
  void control_fault() override { log << "fault;"; }
  void retire(int slot) { --queued_[std::size_t(slot)]; }

  const bool& busy_;
  int depth_;
  bool strict_;
  std::vector<int> queued_;
  std::uint32_t cq_head = 0;
  std::ostringstream log;
};

constexpr int kSlots = 8, kDepth = 128;  // 8 x 128 = 1024: the RTL's FIFOs can fill exactly

struct SideBySide : sc_core::sc_module {
  bool busy = false;
  RecordingDatapath tlm_dp{busy, kSlots, kDepth, true}, rtl_dp{busy, kSlots, kDepth, false};
  TlmControl tlm{tlm_dp, kSlots, kIdValue | 1, make_caps(kSlots, kDepth, 3) | kCapsCommandQueue, [](const sc_time&) {}};
  RtlControl rtl;
  tlm_utils::simple_initiator_socket<SideBySide> bus{"bus"};
  sc_core::sc_signal<bool> irq{"irq"};
  std::vector<std::vector<std::int64_t>> ids = std::vector<std::vector<std::int64_t>>(kSlots);  // queued, per slot
  std::mt19937_64 rng{12345};
  std::uint64_t reads = 0, mismatches = 0, fills = 0, drains_past_empty = 0, races = 0;
  std::int64_t next_id = 1;

  SC_HAS_PROCESS(SideBySide);
  explicit SideBySide(sc_core::sc_module_name n)
      : sc_module(n), rtl("rtl", RtlControl::Straps{1e9, kSlots, kDepth, 3, 1, true}) {
    tlm.set_requires_source(true);  // an encoder-decoder network's rule: SOURCE >= 1, SOURCE_PADDED >= SOURCE
    rtl.attach(&rtl_dp);
    rtl.irq.bind(irq);
    bus.bind(rtl.regs);
    SC_THREAD(run);
  }

  // One timed access to the RTL only.
  void rtl_access(tlm::tlm_generic_payload& t, bool write, std::uint64_t address, unsigned char* data,
                  unsigned length) {
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(address);
    t.set_data_ptr(data);
    t.set_data_length(length);
    t.set_streaming_width(length);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time delay = sc_core::SC_ZERO_TIME;
    bus->b_transport(t, delay);
  }

  // One access to both; compares the response and, for reads, the value. The reference takes
  // datapath events at once, the RTL one bundle a cycle: they land first (with more than two
  // bundles queued, later ones would share the access's edge, where the bus goes first; the
  // same-edge races are random_op's case 7, ordered on purpose).
  std::uint32_t access(bool write, std::uint64_t address, std::uint32_t value, unsigned length = 4) {
    while (!rtl.idle()) wait(sc_time(1, SC_NS));
    unsigned char data[8] = {};
    std::memcpy(data, &value, 4);
    tlm::tlm_generic_payload t;
    rtl_access(t, write, address, data, length);
    const tlm::tlm_response_status want = tlm.check_access(address, length, false);
    std::uint32_t expected = 0;
    if (want == tlm::TLM_OK_RESPONSE) {
      if (write)
        tlm.write(std::uint32_t(address), value, sc_core::SC_ZERO_TIME);
      else
        expected = tlm.read(std::uint32_t(address), sc_core::SC_ZERO_TIME);
    }
    std::uint32_t got = 0;
    std::memcpy(&got, data, 4);
    EXPECT_EQ(t.get_response_status(), want) << (write ? "write 0x" : "read 0x") << std::hex << address;
    if (!write && want == tlm::TLM_OK_RESPONSE) {
      ++reads;
      if (got != expected) ++mismatches;
      EXPECT_EQ(got, expected) << "read 0x" << std::hex << address << " at " << sc_core::sc_time_stamp();
    }
    return got;
  }
  std::uint32_t read(std::uint32_t a) { return access(false, a, 0); }
  void write(std::uint32_t a, std::uint32_t v) { access(true, a, v); }

  // A datapath event to both (the RTL takes it on its next free cycle).
  // The slot's oldest queued sequence, now complete (both datapaths retire it).
  Completion take_oldest(int slot) {
    Completion c;
    c.slot = slot;
    c.descriptor.id = ids[std::size_t(slot)].front();
    c.steps = std::int64_t(rng() % 100000);  // DONE_STEPS: whatever the datapath reports
    ids[std::size_t(slot)].erase(ids[std::size_t(slot)].begin());
    tlm_dp.retire(slot);
    rtl_dp.retire(slot);
    return c;
  }
  void complete(int slot) {
    if (ids[std::size_t(slot)].empty()) return;
    const Completion c = take_oldest(slot);
    tlm.push_done(c);
    rtl.push_done(c);
  }
  void fail_request(int slot, std::uint32_t code) {
    if (ids[std::size_t(slot)].empty()) return;
    const std::int64_t id = ids[std::size_t(slot)].back();
    ids[std::size_t(slot)].pop_back();
    tlm.push_error(slot, id, code);
    rtl.push_error(slot, id, code);
    tlm.raise(kIrqError);
    rtl.raise(kIrqError);
    tlm_dp.retire(slot);
    rtl_dp.retire(slot);
  }
  void raise(std::uint32_t bits) {
    tlm.raise(bits);
    rtl.raise(bits);
  }
  // The RTL's pending events and tail cycle run.
  void settle() {
    while (!rtl.idle()) wait(sc_time(1, SC_NS));
    wait(sc_time(2, SC_NS));
  }

  void push(int slot, std::uint32_t length, std::uint32_t padded, std::uint32_t source = 1,
            std::uint32_t source_padded = 0, std::uint32_t flags = 0) {
    const std::int64_t id = next_id++;
    write(slot_reg(slot, kSlotIdLo), std::uint32_t(id));
    write(slot_reg(slot, kSlotLength), length);
    write(slot_reg(slot, kSlotPadded), padded);
    write(slot_reg(slot, kSlotSource), source);
    write(slot_reg(slot, kSlotSourcePadded), source_padded);
    write(slot_reg(slot, kSlotFlags), flags);
    const std::size_t before = tlm_dp.log.str().size();
    write(slot_reg(slot, kSlotPush), 1);
    if (tlm_dp.log.str().find("push", before) != std::string::npos) ids[std::size_t(slot)].push_back(id);
  }

  void compare_state() {
    settle();
    EXPECT_EQ(tlm_dp.log.str(), rtl_dp.log.str());
    EXPECT_EQ(rtl.irq.read(), tlm.irq_level()) << "interrupt line at " << sc_core::sc_time_stamp();
    for (std::uint32_t a : {kIrqStatus, kDoneCount, kErrCount, kErrorCode, kStatus}) read(a);
  }

  void random_op() {
    const int slot = int(rng() % kSlots);
    switch (rng() % 16) {
      case 0:
      case 1:
        // Some bad descriptors (LENGTH 0, PADDED < LENGTH, SOURCE 0, SOURCE_PADDED < SOURCE); FLAGS
        // random (bit 0 kept).
        push(slot, std::uint32_t(rng() % 4), std::uint32_t(rng() % 6), std::uint32_t(rng() % 5),
             std::uint32_t(rng() % 6), std::uint32_t(rng()));
        break;
      case 2:
        complete(slot);
        if (rng() % 2) raise(kIrqSeqDone);
        break;
      case 3:
        fail_request(slot, 3 + std::uint32_t(rng() % 3));
        break;
      case 4:
        read(kDonePop), read(kDoneIdLo), read(kDoneIdHi), read(kDoneSteps);
        break;
      case 5:
        read(kErrPop), read(kErrIdLo), read(kErrIdHi);
        break;
      case 6:
        write(kIrqStatus, std::uint32_t(rng() % 8));
        break;
      case 7: {
        // W1C on the same edge as a new completion: the access applies first, then the event.
        ++races;
        settle();
        rtl.delay_datapath_events(1);  // the event's cycle is the access phase, not the setup
        int s = slot;
        for (int k = 0; k < kSlots && ids[std::size_t(s)].empty(); ++k) s = (s + 1) % kSlots;
        if (!ids[std::size_t(s)].empty()) {
          const Completion c = take_oldest(s);
          const std::uint32_t bits = kIrqSeqDone | kIrqCmdDone, clear = 1 + std::uint32_t(rng() % 7);
          rtl.push_done(c);
          rtl.raise(bits);
          tlm.write(kIrqStatus, clear, sc_core::SC_ZERO_TIME);  // the access first ...
          tlm.push_done(c);                                     // ... then the event
          tlm.raise(bits);
          tlm::tlm_generic_payload t;
          unsigned char v[4] = {std::uint8_t(clear), 0, 0, 0};
          rtl_access(t, true, kIrqStatus, v, 4);
        } else {
          rtl.delay_datapath_events(0);
        }
        break;
      }
      case 8:
        write(kIrqEnable, std::uint32_t(rng() % 8));
        break;
      case 9:
        busy = !busy;
        write(kCtrl, 1);  // refused while busy
        break;
      case 10: {
        static const std::uint32_t kRw[] = {kCmdSteps,  kCmdLayers, kSlotMask0, kSlotMask0 + 28, kWeightsLo,
                                            kWeightsHi, kCqBaseLo,  kCqBaseHi,  kCqSize,         kCqTail};
        const std::uint32_t a = kRw[rng() % (sizeof kRw / sizeof kRw[0])];
        write(a, std::uint32_t(rng()));
        read(a);
        break;
      }
      case 11:
        read(std::uint32_t(rng() % 0x84) & ~3u);  // any global register, the pops and DONE_STEPS included
        break;
      case 12:
        read(slot_reg(slot, std::uint32_t(rng() % 0x40) & ~3u));  // QUEUED and the write-only staging
        break;
      case 13: {
        // Illegal: outside the map, past the last slot, misaligned, not 4 bytes.
        static const std::uint64_t kBad[] = {0x100, 0xffc, slot_reg(kSlots, 0), 0x5000, 0x2, 0x41};
        const std::uint64_t a = kBad[rng() % 6];
        access(rng() % 2, a, 1, rng() % 4 == 0 ? 8 : 4);
        break;
      }
      case 14:
        rtl_dp.cq_head = tlm_dp.cq_head = std::uint32_t(rng() % 100);
        read(kCqHead);
        break;
      default:
        raise(std::uint32_t(rng() % 8));
        break;
    }
  }

  void run() {
    wait(sc_time(1, SC_NS));
    EXPECT_EQ(read(kId), kIdValue | 1);
    EXPECT_EQ(read(kCaps), make_caps(kSlots, kDepth, 3) | kCapsCommandQueue);
    write(kIrqEnable, 7);
    for (int i = 0; i < 3000; ++i) {
      random_op();
      if (i % 50 == 0) compare_state();
    }
    compare_state();
    // Fill every slot queue and then the completion FIFO to the brim (8 x 128 = 1024) ...
    busy = false;
    while (read(kDoneCount) != 0) read(kDonePop);
    while (read(kErrCount) != 0) read(kErrPop);
    for (int s = 0; s < kSlots; ++s)
      while (int(ids[std::size_t(s)].size()) < kDepth) push(s, 2, 0);
    push(0, 2, 0);  // one more: queue full
    for (int s = 0; s < kSlots; ++s)
      while (!ids[std::size_t(s)].empty()) complete(s);
    raise(kIrqSeqDone);
    compare_state();
    EXPECT_EQ(read(kDoneCount), 1024u);
    ++fills;
    // ... and drain it past empty.
    for (int i = 0; i < 1026; ++i) {
      read(kDonePop);
      read(kDoneIdLo);
      read(kDoneSteps);
    }
    ++drains_past_empty;
    compare_state();
    EXPECT_EQ(read(kDoneCount), 0u);
    for (int i = 0; i < 2000; ++i) {
      random_op();
      if (i % 50 == 0) compare_state();
    }
    compare_state();
    sc_core::sc_stop();
  }
};

TEST(RtlControlRegisters, RandomTrafficAgreesWithTheTlmModelRead_for_read) {
  RtlControl::set_assertions_fatal(true);  // any assertion here is a failure: abort
  SideBySide top("top");
  const auto wall_start = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  EXPECT_GT(top.reads, 5000u);
  EXPECT_EQ(top.mismatches, 0u);
  EXPECT_GT(top.races, 50u);
  EXPECT_FALSE(RtlControl::assertion_failed());
  // Both recorded the same starts, pushes, doorbells and faults, in the same order.
  EXPECT_EQ(top.tlm_dp.log.str(), top.rtl_dp.log.str());
  EXPECT_NE(top.tlm_dp.log.str().find("fault"), std::string::npos);
  EXPECT_NE(top.tlm_dp.log.str().find("start"), std::string::npos);
  std::printf("reads compared: %llu, control cycles: %llu, accesses: %llu, sim time %s, wall %.3f s: %.0f cycles/s\n",
              (unsigned long long)top.reads, (unsigned long long)top.rtl.cycles(),
              (unsigned long long)top.rtl.accesses(), sc_core::sc_time_stamp().to_string().c_str(), wall,
              double(top.rtl.cycles()) / wall);
}

// A thread that drives raw pins or impossible datapath events, with assertions reporting.
struct Breaker : sc_core::sc_module {
  RtlControl rtl;
  tlm_utils::simple_initiator_socket<Breaker> bus{"bus"};  // unused: raw pins instead
  sc_core::sc_signal<bool> irq{"irq"};
  bool protocol;
  SC_HAS_PROCESS(Breaker);
  Breaker(sc_core::sc_module_name n, bool protocol_error)
      : sc_module(n), rtl("rtl", RtlControl::Straps{1e9, 2, 2, 1, 0}), protocol(protocol_error) {
    rtl.irq.bind(irq);
    bus.bind(rtl.regs);
    SC_THREAD(run);
  }
  void run() {
    wait(sc_time(1, SC_NS));
    if (protocol) {
      // A well-formed read, then PENABLE without PSEL, then an access phase with no setup.
      rtl.raw_cycles({{true, false, false, kId, 0}, {true, true, false, kId, 0}, {false, false, false, 0, 0}});
      EXPECT_FALSE(RtlControl::assertion_failed());
      rtl.raw_cycles({{false, true, false, kId, 0}, {false, false, false, 0, 0}, {true, true, false, kId, 0}});
    } else {
      // A completion in slot 1 with nothing pushed: the QUEUED counter would underflow.
      Completion c;
      c.slot = 1;
      rtl.push_done(c);
      wait(sc_time(5, SC_NS));
    }
    sc_core::sc_stop();
  }
};

TEST(RtlControlAssertions, ApbProtocolViolationFires) {
  RtlControl::set_assertions_fatal(false);
  Breaker top("top", true);
  sc_core::sc_start();
  EXPECT_TRUE(RtlControl::assertion_failed());
}

TEST(RtlControlAssertions, CompletionWithNothingQueuedFires) {
  RtlControl::set_assertions_fatal(false);
  Breaker top("top", false);
  sc_core::sc_start();
  EXPECT_TRUE(RtlControl::assertion_failed());
}

}  // namespace
}  // namespace ebatch

namespace ebatch {
namespace {

// One timed 4-byte access through `bus` (`value`: written, or read back; `delay` as returned).
template <typename Socket>
tlm::tlm_response_status word_access(Socket& bus, bool write, std::uint32_t address, std::uint32_t& value,
                                     sc_time& delay) {
  tlm::tlm_generic_payload t;
  t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  t.set_address(address);
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  t.set_data_length(4);
  t.set_streaming_width(4);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  bus->b_transport(t, delay);
  return t.get_response_status();
}

// Hand-worked timing of the transactor at a 1 GHz control clock (T = 1 ns; a cycle drives its
// inputs at its start, has its rising edge at +0.5 T and samples at its end):
// - a write issued at kernel time 10 ns with 3 ns annotated delay starts at 13 ns; setup cycle
//   [13, 14), access cycle [14, 15): b_transport returns at 15 ns with zero delay;
// - LENGTH then PUSH of slot 0: accesses [15, 17) and [17, 19): the push reaches the datapath
//   at 19 ns (the access's end); a second PUSH [19, 21) at 21 ns;
// - two completions and their raise at 30 ns: cycles [30, 31) and [31, 32); the first edge at
//   30.5 ns sets SEQ_DONE: the line rises at 30.5 ns;
// - DONE_POP at 40 ns with two waiting: access [40, 42), its edge at 41.5 ns pops and drops the
//   line for one cycle; the tail cycle's edge at 42.5 ns raises it again.
struct Timing : sc_core::sc_module {
  bool busy = false;
  RecordingDatapath dp{busy, 2, 2, false};
  RtlControl rtl;
  tlm_utils::simple_initiator_socket<Timing> bus{"bus"};
  sc_core::sc_signal<bool> irq{"irq"};
  std::vector<std::pair<double, bool>> edges;  // (ns, level)
  std::vector<double> returns_ns;
  SC_HAS_PROCESS(Timing);
  explicit Timing(sc_core::sc_module_name n) : sc_module(n), rtl("rtl", RtlControl::Straps{1e9, 2, 2, 1, 0}) {
    rtl.attach(&dp);
    rtl.irq.bind(irq);
    bus.bind(rtl.regs);
    SC_THREAD(run);
    SC_METHOD(watch);
    sensitive << irq;
    dont_initialize();
  }
  void watch() { edges.emplace_back(sc_core::sc_time_stamp().to_seconds() * 1e9, irq.read()); }
  void access(bool write, std::uint32_t address, std::uint32_t value, sc_time delay) {
    word_access(bus, write, address, value, delay);
    EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
    returns_ns.push_back(sc_core::sc_time_stamp().to_seconds() * 1e9);
  }
  void run() {
    wait(sc_time(10, SC_NS));
    access(true, kIrqEnable, 7, sc_time(3, SC_NS));
    access(true, slot_reg(0, kSlotLength), 1, sc_core::SC_ZERO_TIME);
    access(true, slot_reg(0, kSlotPush), 1, sc_core::SC_ZERO_TIME);
    access(true, slot_reg(0, kSlotPush), 1, sc_core::SC_ZERO_TIME);
    wait(sc_time(30, SC_NS) - sc_core::sc_time_stamp());
    Completion c;
    rtl.push_done(c);
    rtl.raise(kIrqSeqDone);
    rtl.push_done(c);
    rtl.raise(kIrqSeqDone);
    wait(sc_time(40, SC_NS) - sc_core::sc_time_stamp());
    access(false, kDonePop, 0, sc_core::SC_ZERO_TIME);
    wait(sc_time(10, SC_NS));
    sc_core::sc_stop();
  }
};

TEST(RtlControlTiming, HandWorkedCyclesOfAccessesPushesAndInterruptEdges) {
  RtlControl::set_assertions_fatal(true);
  Timing top("top");
  sc_core::sc_start();
  ASSERT_EQ(top.returns_ns.size(), 5u);
  EXPECT_DOUBLE_EQ(top.returns_ns[0], 15.0);  // 10 + 3 (annotated) + 2 cycles
  EXPECT_DOUBLE_EQ(top.returns_ns[1], 17.0);
  EXPECT_DOUBLE_EQ(top.returns_ns[2], 19.0);
  EXPECT_DOUBLE_EQ(top.returns_ns[3], 21.0);
  EXPECT_DOUBLE_EQ(top.returns_ns[4], 42.0);  // DONE_POP: [40, 42)
  EXPECT_EQ(top.dp.log.str(), "push 0 0 1 1 0 0 0 0 0;push 0 0 1 1 0 0 0 0 0;");
  const std::vector<std::pair<double, bool>> want = {{30.5, true}, {41.5, false}, {42.5, true}};
  ASSERT_EQ(top.edges.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(top.edges[i].first, want[i].first, 1e-6) << "edge " << i;
    EXPECT_EQ(top.edges[i].second, want[i].second) << "edge " << i;
  }
  EXPECT_EQ(top.rtl.accesses(), 5u);
  // Cycles run: 2 per access (10), 2 for the completions, 1 tail after the pop.
  EXPECT_EQ(top.rtl.cycles(), 13u);
}

// The decoder registers by hand, on an encoder-decoder strap (cfg_requires_source), 1 GHz:
// - slot 0 staged LENGTH 5, SOURCE 4, SOURCE_PADDED 0, FLAGS 3: the PUSH hands the datapath
//   length 5, padded 5 (0 = LENGTH), source 4, source padded 4 (0 = SOURCE), run_to_padded 1
//   (FLAGS bit 0 only); QUEUED reads 1;
// - SOURCE 0 then PUSH: a bad descriptor (SOURCE >= 1 needed): ERROR_CODE 2, a fault, no push;
//   SOURCE 3, SOURCE_PADDED 2 then PUSH: bad again (SOURCE_PADDED < SOURCE);
// - DONE_STEPS reads 0 before any pop; completions with 3 and 5 steps: the first DONE_POP gives
//   DONE_STEPS 3, the second 5, a third (FIFO empty) pops nothing and DONE_STEPS stays 5.
struct DecoderRegisters : sc_core::sc_module {
  bool busy = false;
  RecordingDatapath dp{busy, 2, 2, false};
  RtlControl rtl;
  tlm_utils::simple_initiator_socket<DecoderRegisters> bus{"bus"};
  sc_core::sc_signal<bool> irq{"irq"};
  std::vector<std::uint32_t> reads;
  SC_HAS_PROCESS(DecoderRegisters);
  explicit DecoderRegisters(sc_core::sc_module_name n)
      : sc_module(n), rtl("rtl", RtlControl::Straps{1e9, 2, 2, 4, 0, true}) {
    rtl.attach(&dp);
    rtl.irq.bind(irq);
    bus.bind(rtl.regs);
    SC_THREAD(run);
  }
  std::uint32_t access(bool write, std::uint32_t address, std::uint32_t value) {
    sc_time delay = sc_core::SC_ZERO_TIME;
    EXPECT_EQ(word_access(bus, write, address, value, delay), tlm::TLM_OK_RESPONSE) << std::hex << address;
    return value;
  }
  void write(std::uint32_t a, std::uint32_t v) { access(true, a, v); }
  void read(std::uint32_t a) { reads.push_back(access(false, a, 0)); }
  void run() {
    wait(sc_time(1, SC_NS));
    write(slot_reg(0, kSlotIdLo), 7);
    write(slot_reg(0, kSlotLength), 5);
    write(slot_reg(0, kSlotSource), 4);
    write(slot_reg(0, kSlotFlags), 3);
    write(slot_reg(0, kSlotPush), 1);
    read(slot_reg(0, kSlotQueued));  // 1
    read(kErrorCode);                // 0
    write(slot_reg(1, kSlotLength), 2);
    write(slot_reg(1, kSlotPush), 1);  // SOURCE 0: bad
    read(kErrorCode);                  // 2
    write(slot_reg(1, kSlotSource), 3);
    write(slot_reg(1, kSlotSourcePadded), 2);
    write(slot_reg(1, kSlotPush), 1);  // SOURCE_PADDED < SOURCE: bad
    read(slot_reg(1, kSlotQueued));    // 0
    write(slot_reg(0, kSlotPush), 1);  // the same staged descriptor again: accepted
    read(kDoneSteps);                  // 0
    Completion c;
    c.steps = 3;
    rtl.push_done(c);
    c.steps = 5;
    rtl.push_done(c);
    wait(sc_time(5, SC_NS));
    read(kDonePop);    // 0x80000000: slot 0
    read(kDoneSteps);  // 3
    read(kDonePop);
    read(kDoneSteps);  // 5
    read(kDonePop);    // empty: 0
    read(kDoneSteps);  // still 5
    sc_core::sc_stop();
  }
};

TEST(RtlControlDecoderRegisters, HandWorkedSourceFlagsAndDoneSteps) {
  RtlControl::set_assertions_fatal(true);
  DecoderRegisters top("top");
  sc_core::sc_start();
  EXPECT_EQ(top.dp.log.str(), "push 0 7 5 5 0 0 4 4 1;fault;fault;push 0 7 5 5 0 0 4 4 1;");
  const std::vector<std::uint32_t> want = {1, 0, 2, 0, 0, 0x80000000u, 3, 0x80000000u, 5, 0, 5};
  EXPECT_EQ(top.reads, want);
  EXPECT_FALSE(RtlControl::assertion_failed());
}

}  // namespace
}  // namespace ebatch
