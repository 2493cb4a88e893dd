// A tlm_quantumkeeper that skips the synchronisations nobody could observe
// (simulation.lazy_sync, on by default).
//
// Models: exactly the plain keeper's behaviour. need_sync() is true at the same points as
// the plain keeper's (its next sync point is the next multiple of the global quantum after
// the last sync, real or skipped). At such a point it reports a sync as needed only if
// another process could run before this thread's local time: activity pending at the
// current kernel time, or a timed event at or before the local time. Otherwise a wait would
// let nothing else run (only this thread would resume, at the same absolute time), so it
// moves its next sync point on as sync() would and answers false. Every process then runs
// at the same times and sees the same state as under the plain keeper: results are the
// same, byte for byte (tests/system/test_lazy_sync.cpp, tests/module/
// test_lazy_quantum_keeper.cpp; docs/ARCHITECTURE.md).
// Requires: the thread computes absolute times as sc_time_stamp() + local time (never from
// sc_time_stamp() alone) and synchronises explicitly (sync()) before it notifies events or
// writes signals that other processes see. Explicit sync() calls always wait. The
// accelerator turns it off in traced runs (output.trace), whose DRAM traffic signal is
// written ahead of kernel time and so lands at the kernel time of the write.
// Ignores: nothing of the model; only the kernel's context switches are saved.
#pragma once

#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <systemc>

namespace ebatch {

class LazyQuantumKeeper : public tlm_utils::tlm_quantumkeeper {
 public:
  void set_lazy(bool on) { lazy_ = on; }
  // Synchronisations made (waits) and skipped so far (wallclock.json, tests).
  std::uint64_t synced() const { return synced_; }
  std::uint64_t skipped() const { return skipped_; }

  // const as in the base class; a skipped sync moves the (mutable) next sync point on.
  bool need_sync() const override {
    const sc_core::sc_time now = sc_core::sc_time_stamp() + m_local_time;
    if (now < next_sync_) return false;
    // sc_time_to_pending_activity: zero with activity at the current time, else the time to
    // the next timed event (to the end of time when there is none).
    if (!lazy_ || sc_core::sc_time_to_pending_activity() <= m_local_time) return true;
    next_sync_ = now + quantum_left(now);  // what reset() after a wait at `now` would set
    ++skipped_;
    return false;
  }
  void sync() override {
    ++synced_;
    tlm_utils::tlm_quantumkeeper::sync();
  }
  void reset() override {
    tlm_utils::tlm_quantumkeeper::reset();
    next_sync_ = m_next_sync_point;
  }

 private:
  // tlm_global_quantum::compute_local_quantum() at time `t` rather than at kernel time.
  static sc_core::sc_time quantum_left(const sc_core::sc_time& t) {
    const sc_core::sc_time& q = tlm::tlm_global_quantum::instance().get();
    if (q == sc_core::SC_ZERO_TIME) return sc_core::SC_ZERO_TIME;
    return sc_core::sc_time::from_value(q.value() - t.value() % q.value());
  }

  bool lazy_ = true;
  mutable sc_core::sc_time next_sync_;
  std::uint64_t synced_ = 0;
  mutable std::uint64_t skipped_ = 0;
};

}  // namespace ebatch
