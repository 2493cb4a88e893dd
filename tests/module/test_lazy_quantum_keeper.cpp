// LazyQuantumKeeper (hw/lazy_quantum_keeper.h) against the plain keeper, worked by hand.
// A runner takes ten steps of 3 ns, publishing how many it has done after each, with a
// quantum of 10 ns (starting a delta after the observer, so that nothing else is runnable);
// an observer wakes at 17 ns and reads that count.
//   plain: sync points at 12 ns (next at 20), 21 ns (next at 30), 30 ns: 3 waits; the
//          observer runs during the wait from 12 to 21 ns and reads 7;
//   lazy:  at 12 ns the observer's event (17 ns) lies ahead: skipped (next at 20); at 21 ns it
//          lies behind: a wait, the observer reads 7 as before; at 30 ns nothing is pending:
//          skipped. 1 wait, 2 skipped, the same count read.
// Each test elaborates its own modules and calls sc_start once (one test per process).
#include <gtest/gtest.h>

#include <memory>
#include <systemc>

#include "hw/lazy_quantum_keeper.h"

namespace ebatch {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

struct Runner : sc_core::sc_module {
  LazyQuantumKeeper qk;
  int done = 0;
  sc_time finished_at;
  SC_HAS_PROCESS(Runner);
  Runner(sc_core::sc_module_name name, bool lazy) : sc_module(name) {
    qk.set_lazy(lazy);
    SC_THREAD(run);
  }
  void run() {
    wait(sc_core::SC_ZERO_TIME);  // one delta: the observer has run and waits for 17 ns
    qk.reset();
    for (int step = 0; step < 10; ++step) {
      qk.inc(sc_time(3, SC_NS));
      ++done;
      if (qk.need_sync()) qk.sync();
    }
    finished_at = qk.get_current_time();
  }
};

struct Observer : sc_core::sc_module {
  const Runner& runner;
  int seen = -1;
  SC_HAS_PROCESS(Observer);
  Observer(sc_core::sc_module_name name, const Runner& r) : sc_module(name), runner(r) { SC_THREAD(run); }
  void run() {
    wait(17, SC_NS);
    seen = runner.done;
  }
};

struct Result {
  int seen = -1;
  std::uint64_t synced = 0, skipped = 0;
  sc_time finished_at;
};

Result run(bool lazy, bool with_observer) {
  tlm::tlm_global_quantum::instance().set(sc_time(10, SC_NS));
  Runner runner("runner", lazy);
  std::unique_ptr<Observer> observer = with_observer ? std::make_unique<Observer>("observer", runner) : nullptr;
  sc_core::sc_start();
  return {observer ? observer->seen : -1, runner.qk.synced(), runner.qk.skipped(), runner.finished_at};
}

TEST(LazyQuantumKeeper, PlainKeeperWaitsAtEveryQuantumCrossing) {
  const Result r = run(false, true);
  EXPECT_EQ(r.seen, 7);
  EXPECT_EQ(r.synced, 3u);
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_EQ(r.finished_at, sc_time(30, SC_NS));
}

TEST(LazyQuantumKeeper, WaitsOnlyWhereAnotherProcessCouldRunAndSeesTheSameState) {
  const Result r = run(true, true);
  EXPECT_EQ(r.seen, 7);  // as under the plain keeper
  EXPECT_EQ(r.synced, 1u);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_EQ(r.finished_at, sc_time(30, SC_NS));
}

TEST(LazyQuantumKeeper, AloneItNeverWaits) {
  const Result r = run(true, false);
  EXPECT_EQ(r.synced, 0u);
  EXPECT_EQ(r.skipped, 3u);  // the plain keeper's three sync points
  EXPECT_EQ(r.finished_at, sc_time(30, SC_NS));
}

}  // namespace
}  // namespace ebatch
