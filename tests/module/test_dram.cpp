// Dram (hw/dram.h) as a TLM-2.0 target, driven by a tiny initiator module.
// Each test elaborates its own modules and calls sc_start once (one test per process).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstring>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/dram.h"
#include "hw/energy_counters.h"

namespace ebatch {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket;
  std::function<void(Initiator&)> body;
  bool finished = false;

  SC_HAS_PROCESS(Initiator);
  Initiator(sc_core::sc_module_name name, std::function<void(Initiator&)> b)
      : sc_module(name), socket("socket"), body(std::move(b)) {
    SC_THREAD(run);
  }
  void run() {
    body(*this);
    finished = true;
  }

  // One b_transport; `delay` in: local time offset, out: when the transfer is done.
  tlm::tlm_response_status transfer(bool write, std::uint64_t address, unsigned char* data, unsigned bytes,
                                    sc_time& delay) {
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(address);
    t.set_data_ptr(data);
    t.set_data_length(bytes);
    t.set_streaming_width(bytes);
    t.set_byte_enable_ptr(nullptr);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(t, delay);
    return t.get_response_status();
  }
  tlm::tlm_response_status transfer(bool write, std::uint64_t address, unsigned bytes, sc_time& delay) {
    scratch.assign(bytes, 0);
    return transfer(write, address, scratch.data(), bytes, delay);
  }
  unsigned debug(bool write, std::uint64_t address, unsigned char* data, unsigned bytes) {
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(address);
    t.set_data_ptr(data);
    t.set_data_length(bytes);
    return socket->transport_dbg(t);
  }
  std::vector<unsigned char> scratch;
};

DramConfig config() {
  DramConfig c;
  c.technology = "test";
  c.bandwidth_bytes_per_s = 1e9;  // 1 byte per ns
  c.latency_s = 100e-9;
  c.burst_bytes = 64;
  c.capacity_bytes = 1 << 20;
  return c;
}

TEST(DramModule, IdleChannelDelayIsLatencyPlusBytesOverBandwidth) {
  EnergyCounters energy;
  Dram dram("dram", config(), energy, false);
  Initiator init("init", [&](Initiator& me) {
    sc_time delay = SC_ZERO_TIME;
    EXPECT_EQ(me.transfer(false, 0, 1000, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(delay, sc_time(1000, SC_NS) + sc_time(100, SC_NS));
    EXPECT_EQ(dram.transfer_time(1000), sc_time(1100, SC_NS));
    wait(delay);  // the channel is idle again
    delay = SC_ZERO_TIME;
    EXPECT_EQ(me.transfer(true, 4096, 500, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(delay, sc_time(600, SC_NS));
    wait(delay);
    // A transfer issued ahead of kernel time (temporal decoupling) starts at its local time.
    delay = sc_time(3, SC_US);
    EXPECT_EQ(me.transfer(false, 0, 250, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(delay, sc_time(3, SC_US) + sc_time(250, SC_NS) + sc_time(100, SC_NS));
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
  EXPECT_DOUBLE_EQ(dram.busy_seconds(), (1000 + 500 + 250) * 1e-9);
}

TEST(DramModule, BackToBackTransfersQueue) {
  EnergyCounters energy;
  Dram dram("dram", config(), energy, false);
  Initiator init("init", [&](Initiator& me) {
    sc_time first = SC_ZERO_TIME, second = SC_ZERO_TIME, third = sc_time(500, SC_NS);
    EXPECT_EQ(me.transfer(true, 0, 1000, first), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(me.transfer(false, 8192, 2000, second), tlm::TLM_OK_RESPONSE);
    // Arrives at 500 ns, while the channel is busy until 3000 ns.
    EXPECT_EQ(me.transfer(false, 16384, 64, third), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(first, sc_time(1000 + 100, SC_NS));
    EXPECT_EQ(second, sc_time(1000 + 2000 + 100, SC_NS)) << "waits for the first transfer's occupancy";
    EXPECT_EQ(third, sc_time(1000 + 2000 + 64 + 100, SC_NS));
    wait(sc_time(10, SC_US));
    sc_time later = SC_ZERO_TIME;
    EXPECT_EQ(me.transfer(false, 0, 64, later), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(later, sc_time(64 + 100, SC_NS)) << "idle again";
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
  EXPECT_DOUBLE_EQ(dram.busy_seconds(), (1000 + 2000 + 64 + 64) * 1e-9);
}

// Time order, not call order: a transfer booked ahead (an initiator running ahead of kernel time
// under temporal decoupling) leaves the time before it free for one called later but arriving
// earlier; what does not fit before it continues after it. 1 byte/ns, 100 ns latency.
TEST(DramModule, TransfersAreServedInTimeOrderNotCallOrder) {
  EnergyCounters energy;
  Dram dram("dram", config(), energy, false);
  Initiator init("init", [&](Initiator& me) {
    sc_time ahead = sc_time(5000, SC_NS), early = SC_ZERO_TIME, straddles = sc_time(4000, SC_NS);
    EXPECT_EQ(me.transfer(false, 0, 1000, ahead), tlm::TLM_OK_RESPONSE);  // books [5000, 6000) ns
    EXPECT_EQ(ahead, sc_time(6000 + 100, SC_NS));
    // Called later, arrives at 0: fits before the booking, [0, 2000) ns (call order: after 6000).
    EXPECT_EQ(me.transfer(false, 8192, 2000, early), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(early, sc_time(2000 + 100, SC_NS)) << "served at its arrival, not behind the later booking";
    // Arrives at 4000: 1000 ns before the booking, the other 1000 after it: [4000, 5000) + [6000, 7000).
    EXPECT_EQ(me.transfer(true, 16384, 2000, straddles), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(straddles, sc_time(7000 + 100, SC_NS)) << "continues after the booking it meets";
    // The gap [2000, 4000) is still free; [0, 2000) and [4000, 7000) are not.
    sc_time gap = sc_time(1500, SC_NS);
    EXPECT_EQ(me.transfer(false, 0, 1000, gap), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(gap, sc_time(3000 + 100, SC_NS)) << "waits for [0, 2000), then takes [2000, 3000)";
    sc_time after = sc_time(2500, SC_NS);
    EXPECT_EQ(me.transfer(false, 0, 3000, after), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(after, sc_time(9000 + 100, SC_NS)) << "[3000, 4000) and [7000, 9000)";
    // Once kernel time passes the bookings they are gone: an idle channel again.
    wait(sc_time(20, SC_US));
    sc_time idle = SC_ZERO_TIME;
    EXPECT_EQ(me.transfer(false, 0, 64, idle), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(idle, sc_time(64 + 100, SC_NS));
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
  EXPECT_DOUBLE_EQ(dram.busy_seconds(), (1000 + 2000 + 2000 + 1000 + 3000 + 64) * 1e-9);
}

TEST(DramModule, AddressPastCapacityIsAnAddressError) {
  EnergyCounters energy;
  const DramConfig cfg = config();
  Dram dram("dram", cfg, energy, true);
  Initiator init("init", [&](Initiator& me) {
    sc_time delay = SC_ZERO_TIME;
    EXPECT_EQ(me.transfer(false, cfg.capacity_bytes - 10, 20, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(me.transfer(true, cfg.capacity_bytes, 1, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(me.transfer(true, ~std::uint64_t(0) - 3, 8, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE)
        << "address + length wraps around";
    EXPECT_EQ(delay, SC_ZERO_TIME) << "a rejected transfer takes no time";
    EXPECT_EQ(me.transfer(true, cfg.capacity_bytes - 20, 20, delay), tlm::TLM_OK_RESPONSE) << "the last bytes";
    unsigned char buf[16] = {};
    EXPECT_EQ(me.debug(false, cfg.capacity_bytes - 8, buf, 16), 0u) << "debug access past capacity";
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
  EXPECT_EQ(dram.bytes_read(), 0u);
  EXPECT_EQ(dram.bytes_written(), 20u);
  EXPECT_DOUBLE_EQ(energy.count("dram", "read_byte"), 0);
  EXPECT_DOUBLE_EQ(energy.count("dram", "write_byte"), 20);
}

TEST(DramModule, ByteAndEnergyCounters) {
  EnergyCounters energy;
  Dram dram("dram", config(), energy, false);
  dram.set_tracing(true);  // waveform signals update only when traced
  Initiator init("init", [&](Initiator& me) {
    sc_time delay = SC_ZERO_TIME;
    EXPECT_EQ(me.transfer(false, 0, 100, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(me.transfer(false, 1000, 28, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(me.transfer(true, 2000, 64, delay), tlm::TLM_OK_RESPONSE);
    wait(delay);
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
  EXPECT_EQ(dram.bytes_read(), 128u);
  EXPECT_EQ(dram.bytes_written(), 64u);
  EXPECT_DOUBLE_EQ(energy.count("dram", "read_byte"), 128);
  EXPECT_DOUBLE_EQ(energy.count("dram", "write_byte"), 64);
  EXPECT_EQ(dram.traffic_bytes.read(), 192u);
  // Energy through a table: counts x energy per byte.
  EnergyTable table;
  table.components["dram"].action_j = {{"read_byte", 64e-12}, {"write_byte", 70e-12}};
  const auto rep = energy.report(table, 0.0);
  EXPECT_DOUBLE_EQ(rep.components.at("dram").dynamic_j, 128 * 64e-12 + 64 * 70e-12);
}

TEST(DramModule, StoredDataDebugAccessAndUntouchedMemoryReadsZero) {
  EnergyCounters energy;
  Dram dram("dram", config(), energy, true);
  Initiator init("init", [&](Initiator& me) {
    // Never written: zeros, also across a 64 KiB page boundary.
    std::vector<unsigned char> buf(300, 0xAB);
    dram.debug_read(65536 - 100, buf.data(), buf.size());
    for (unsigned char b : buf) EXPECT_EQ(b, 0);
    // Debug write / read round trip across a page boundary.
    std::vector<unsigned char> pattern(300);
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<unsigned char>(i * 7 + 1);
    dram.debug_write(65536 - 100, pattern.data(), pattern.size());
    std::vector<unsigned char> back(300, 0);
    dram.debug_read(65536 - 100, back.data(), back.size());
    EXPECT_EQ(back, pattern);
    // The bytes around it are still zero.
    unsigned char edge[2] = {0xFF, 0xFF};
    dram.debug_read(65536 - 101, edge, 1);
    dram.debug_read(65536 + 200, edge + 1, 1);
    EXPECT_EQ(edge[0], 0);
    EXPECT_EQ(edge[1], 0);
    // Through the socket's debug transport.
    std::vector<unsigned char> via(16, 0xCD);
    EXPECT_EQ(me.debug(false, 65536 - 100, via.data(), 16), 16u);
    EXPECT_TRUE(std::equal(via.begin(), via.end(), pattern.begin()));
    unsigned char word[4] = {1, 2, 3, 4};
    EXPECT_EQ(me.debug(true, 500000, word, 4), 4u);
    unsigned char word_back[4] = {};
    dram.debug_read(500000, word_back, 4);
    EXPECT_EQ(std::memcmp(word, word_back, 4), 0);
    // Timed transfers move data when the DRAM stores it.
    sc_time delay = SC_ZERO_TIME;
    std::vector<unsigned char> data = {9, 8, 7, 6, 5};
    EXPECT_EQ(me.transfer(true, 700000, data.data(), 5, delay), tlm::TLM_OK_RESPONSE);
    std::vector<unsigned char> read(5, 0);
    EXPECT_EQ(me.transfer(false, 700000, read.data(), 5, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(read, data);
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
  EXPECT_EQ(dram.bytes_read(), 5u) << "debug access is not counted";
  EXPECT_EQ(dram.bytes_written(), 5u);
}

TEST(DramModule, WithoutStoredDataTimedTransfersMoveNoData) {
  EnergyCounters energy;
  Dram dram("dram", config(), energy, false);
  Initiator init("init", [&](Initiator& me) {
    sc_time delay = SC_ZERO_TIME;
    std::vector<unsigned char> data = {9, 8, 7, 6};
    EXPECT_EQ(me.transfer(true, 128, data.data(), 4, delay), tlm::TLM_OK_RESPONSE);
    unsigned char back[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    dram.debug_read(128, back, 4);
    for (unsigned char b : back) EXPECT_EQ(b, 0);
    std::vector<unsigned char> read(4, 0x55);
    EXPECT_EQ(me.transfer(false, 128, read.data(), 4, delay), tlm::TLM_OK_RESPONSE);
    for (unsigned char b : read) EXPECT_EQ(b, 0x55) << "buffer left untouched";
  });
  init.socket.bind(dram.socket);
  sc_core::sc_start();
  EXPECT_TRUE(init.finished);
}

}  // namespace
}  // namespace ebatch
