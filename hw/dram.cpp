#include "hw/dram.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "hw/dram_timing.h"

namespace ebatch {

using sc_core::SC_SEC;
using sc_core::sc_time;

Dram::Dram(sc_core::sc_module_name name, const DramConfig& config, EnergyCounters& energy, bool store_data)
    : sc_module(name),
      socket("socket"),
      traffic_bytes("traffic_bytes"),
      busy("busy"),
      config_(config),
      store_data_(store_data),
      read_id_(energy.action("dram", "read_byte")),
      write_id_(energy.action("dram", "write_byte")),
      energy_(energy) {
  socket.register_b_transport(this, &Dram::b_transport);
  socket.register_transport_dbg(this, &Dram::transport_dbg);
  SC_METHOD(update_busy);
  sensitive << busy_on_ << busy_off_;
  dont_initialize();
}

void Dram::update_busy() {
  if (busy_on_.default_event().triggered()) ++active_;
  if (busy_off_.default_event().triggered()) --active_;
  busy.write(active_ > 0);
}

const Dram::Occupancy& Dram::occupancy_of(std::uint64_t bytes) {
  // The same few transfer sizes recur (inputs, descriptors, weights): a direct-mapped memo
  // spares the double-to-time conversion; the values are those the conversion gives.
  Occupancy& o = occupancy_memo_[bytes % occupancy_memo_.size()];
  if (o.bytes != bytes) {
    o.bytes = bytes;
    o.time = sc_time(dram_occupancy_seconds(config_, bytes), SC_SEC);
    o.seconds = o.time.to_seconds();
  }
  return o;
}

sc_time Dram::transfer_time(std::uint64_t bytes) const {
  return sc_time(dram_transfer_seconds(config_, bytes), SC_SEC);
}

void Dram::copy(std::uint64_t address, unsigned char* data, std::uint64_t bytes, bool write) {
  while (bytes > 0) {
    const std::uint64_t page = address / kPageBytes, offset = address % kPageBytes;
    const std::uint64_t n = std::min(bytes, kPageBytes - offset);
    auto it = pages_.find(page);
    if (write) {
      if (it == pages_.end()) {
        it = pages_.emplace(page, std::make_unique<unsigned char[]>(kPageBytes)).first;
        std::memset(it->second.get(), 0, kPageBytes);
      }
      std::memcpy(it->second.get() + offset, data, n);
    } else if (it == pages_.end()) {
      std::memset(data, 0, n);
    } else {
      std::memcpy(data, it->second.get() + offset, n);
    }
    address += n, data += n, bytes -= n;
  }
}

void Dram::debug_write(std::uint64_t address, const void* data, std::uint64_t bytes) {
  copy(address, static_cast<unsigned char*>(const_cast<void*>(data)), bytes, true);
}

void Dram::debug_read(std::uint64_t address, void* data, std::uint64_t bytes) const {
  const_cast<Dram*>(this)->copy(address, static_cast<unsigned char*>(data), bytes, false);
}

void Dram::b_transport(int, tlm::tlm_generic_payload& trans, sc_time& delay) {
  const std::uint64_t address = trans.get_address(), bytes = trans.get_data_length();
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (bytes == 0 || address + bytes > config_.capacity_bytes || address + bytes < address) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const bool write = trans.is_write();
  if (!poisoned_.empty()) {
    if (write) {
      clear_poison(address, bytes);
    } else if (poisoned(address, bytes)) {
      trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
  }
  if (!write && !trans.is_read()) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  // The channel serves transfers in time order, in the time left free by earlier bookings.
  const sc_time now = sc_core::sc_time_stamp();
  const Occupancy& occupancy = occupancy_of(bytes);
  const sc_time done = book(now + delay, occupancy.time, now);
  busy_seconds_ += occupancy.seconds;
  if (latency_key_ != config_.latency_s)
    latency_key_ = config_.latency_s, latency_ = sc_time(config_.latency_s, SC_SEC);
  delay = (done - now) + latency_;
  if (store_data_) copy(address, trans.get_data_ptr(), bytes, write);
  if (write) {
    bytes_written_ += bytes;
    energy_.add(write_id_, double(bytes));
  } else {
    bytes_read_ += bytes;
    energy_.add(read_id_, double(bytes));
  }
  if (tracing_) traffic_bytes.write(bytes_read_ + bytes_written_);
  if (tracing_ || timeline_)
    for (const Busy& piece : pieces_) {
      if (tracing_) {
        busy_on_.notify(piece.start - now);
        busy_off_.notify(piece.end - now);
      }
      if (timeline_)
        timeline_->complete("dram", "channel", write ? "write" : "read", piece.start.to_seconds(),
                            piece.end.to_seconds(),
                            {{"bytes", std::to_string(bytes)}, {"address", std::to_string(address)}});
    }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

sc_time Dram::book(const sc_time& arrival, const sc_time& occupancy, const sc_time& now) {
  if (!busy_.empty() && busy_.front().end <= now) {
    std::size_t gone = 1;
    while (gone < busy_.size() && busy_[gone].end <= now) ++gone;
    busy_.erase(busy_.begin(), busy_.begin() + std::ptrdiff_t(gone));
  }
  pieces_.clear();
  // The common case: nothing booked after the arrival (one initiator, or initiators in turn).
  if (busy_.empty() || arrival >= busy_.back().end) {
    if (!busy_.empty() && arrival == busy_.back().end)
      busy_.back().end += occupancy;
    else
      busy_.push_back({arrival, arrival + occupancy});
    if (tracing_ || timeline_) pieces_.push_back({arrival, arrival + occupancy});
    return arrival + occupancy;
  }
  // Arriving inside the last booking (a gather's reads, all issued at once): right after it.
  if (arrival >= busy_.back().start) {
    const sc_time start = busy_.back().end;
    busy_.back().end += occupancy;
    if (tracing_ || timeline_) pieces_.push_back({start, start + occupancy});
    return start + occupancy;
  }
  return book_in_gaps(arrival, occupancy);
}

sc_time Dram::book_in_gaps(const sc_time& arrival, const sc_time& occupancy) {
  // Fill the gaps from the arrival on, in time order, then continue after the last booking.
  sc_time t = arrival, left = occupancy;
  for (const Busy& b : busy_) {
    if (b.end <= t) continue;
    if (b.start > t) {
      const sc_time take = std::min(left, b.start - t);
      pieces_.push_back({t, t + take});
      t += take;
      left -= take;
      if (left == sc_core::SC_ZERO_TIME) break;
    }
    t = std::max(t, b.end);
  }
  if (left > sc_core::SC_ZERO_TIME) pieces_.push_back({t, t + left}), t += left;
  // Merge the pieces into the bookings (both sorted, disjoint; touching intervals become one).
  merged_.clear();
  std::merge(busy_.begin(), busy_.end(), pieces_.begin(), pieces_.end(), std::back_inserter(merged_),
             [](const Busy& a, const Busy& b) { return a.start < b.start; });
  busy_.clear();
  for (const Busy& b : merged_) {
    if (!busy_.empty() && b.start <= busy_.back().end)
      busy_.back().end = std::max(busy_.back().end, b.end);
    else
      busy_.push_back(b);
  }
  return t;
}

void Dram::poison(std::uint64_t address, std::uint64_t bytes) {
  if (bytes > 0) poisoned_[address] = std::max(poisoned_[address], address + bytes);
}

bool Dram::poisoned(std::uint64_t address, std::uint64_t bytes) const {
  const std::uint64_t end = address + bytes;
  for (auto it = poisoned_.begin(); it != poisoned_.end() && it->first < end; ++it)
    if (it->second > address) return true;
  return false;
}

void Dram::clear_poison(std::uint64_t address, std::uint64_t bytes) {
  const std::uint64_t end = address + bytes;
  for (auto it = poisoned_.begin(); it != poisoned_.end() && it->first < end;)
    it = it->second > address ? poisoned_.erase(it) : std::next(it);
}

unsigned Dram::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const std::uint64_t address = trans.get_address(), bytes = trans.get_data_length();
  if (address + bytes > config_.capacity_bytes) return 0;
  copy(address, trans.get_data_ptr(), bytes, trans.is_write());
  return unsigned(bytes);
}

}  // namespace ebatch
