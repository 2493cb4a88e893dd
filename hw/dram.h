// Main memory (DRAM) as a loosely-timed TLM-2.0 target.
//
// Models: one shared channel of fixed bandwidth and a fixed access latency;
// transfers queue behind each other in time order, the latency overlaps
// with other transfers. Time order, not call order: under temporal decoupling an
// initiator running ahead books channel time in the future (its local time), and a
// transfer called later but arriving earlier takes the free time before that booking;
// what does not fit there continues after it (the channel interleaves bursts; a booking
// already made is never moved, as its delay was already returned). Read and write
// bytes are counted for energy; an address past the capacity gets
// TLM_ADDRESS_ERROR_RESPONSE; a read that touches a poisoned range (an injected
// uncorrectable error, poison()) gets TLM_GENERIC_ERROR_RESPONSE until a write covers
// it again. With `store_data` the contents are kept (sparse 64 KiB pages, zero when
// never written) so functional runs move real data; without it data is neither copied
// nor kept.
// Ignores: banks, rows, refresh timing, read/write turnaround, DMI.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <systemc>
#include <tlm>
#include <unordered_map>
#include <vector>

#include "common/experiment.h"
#include "hw/energy_counters.h"
#include "hw/timeline.h"

namespace ebatch {

class Dram : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Dram> socket;
  // Waveforms (when tracing): bytes moved so far, and high while the channel transfers.
  sc_core::sc_signal<std::uint64_t, sc_core::SC_MANY_WRITERS> traffic_bytes;
  sc_core::sc_signal<bool> busy;

  SC_HAS_PROCESS(Dram);
  Dram(sc_core::sc_module_name name, const DramConfig& config, EnergyCounters& energy, bool store_data);
  void set_tracing(bool on) { tracing_ = on; }
  void set_timeline(Timeline* timeline) { timeline_ = timeline; }

  // Fault injection: reads touching [address, address + bytes) fail until a write overlaps it.
  void poison(std::uint64_t address, std::uint64_t bytes);
  // Untimed access for set-up and checks (no time, no energy).
  void debug_write(std::uint64_t address, const void* data, std::uint64_t bytes);
  void debug_read(std::uint64_t address, void* data, std::uint64_t bytes) const;

  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  double busy_seconds() const { return busy_seconds_; }
  const DramConfig& config() const { return config_; }

  // Time a transfer of `bytes` takes on an idle channel (latency + bytes / bandwidth).
  sc_core::sc_time transfer_time(std::uint64_t bytes) const;

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& trans);
  void copy(std::uint64_t address, unsigned char* data, std::uint64_t bytes, bool write);
  void update_busy();

  DramConfig config_;
  bool store_data_;
  // The channel's booked time from the kernel's time on: disjoint intervals in time order,
  // merged where they touch; those ended by the kernel's time are dropped (no initiator's local
  // time lies before it).
  struct Busy {
    sc_core::sc_time start, end;
  };
  std::vector<Busy> busy_;
  // Books `occupancy` ticks from `arrival` on in the free gaps (the pieces in pieces_ when
  // tracing or recording a timeline); returns the tick the last piece ends.
  sc_core::sc_time book(const sc_core::sc_time& arrival, const sc_core::sc_time& occupancy,
                        const sc_core::sc_time& now);
  // book() when the arrival lies before the last booking's start: through the gaps.
  sc_core::sc_time book_in_gaps(const sc_core::sc_time& arrival, const sc_core::sc_time& occupancy);
  std::vector<Busy> pieces_;  // book()'s pieces of the last transfer (tracing and the timeline)
  std::vector<Busy> merged_;  // book()'s scratch, its storage kept
  // b_transport's time conversions, memoised (occupancy_of: per transfer size).
  struct Occupancy {
    std::uint64_t bytes = 0;  // 0: empty (b_transport never moves 0 bytes)
    sc_core::sc_time time;
    double seconds = 0;
  };
  const Occupancy& occupancy_of(std::uint64_t bytes);
  std::array<Occupancy, 16> occupancy_memo_{};
  double latency_key_ = -1;
  sc_core::sc_time latency_;
  std::uint64_t bytes_read_ = 0, bytes_written_ = 0;
  double busy_seconds_ = 0;
  EnergyCounters::ActionId read_id_, write_id_;
  EnergyCounters& energy_;
  bool tracing_ = false;
  Timeline* timeline_ = nullptr;
  sc_core::sc_event_queue busy_on_, busy_off_;
  int active_ = 0;
  static constexpr std::uint64_t kPageBytes = 64ull * 1024;
  std::unordered_map<std::uint64_t, std::unique_ptr<unsigned char[]>> pages_;
  std::map<std::uint64_t, std::uint64_t> poisoned_;  // start -> end of each poisoned range
  bool poisoned(std::uint64_t address, std::uint64_t bytes) const;
  void clear_poison(std::uint64_t address, std::uint64_t bytes);
};

}  // namespace ebatch
