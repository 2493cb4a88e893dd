// Unit tests of the batching policies (runtime/policy.h) and of E-BATCH's window
// tuner (runtime/window_tuner.h). Kernel-free: RuntimeViews are built by hand
// and the tuner replays the policy with the E-PUR pass estimator.
// Every expected value is derived in the comments from the policies' contracts
// (REFERENCE.md sections 1-2) and the EESEN/E-PUR configuration.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/epur/epur_cost.h"
#include "hw/epur/epur_plan.h"
#include "hw/tpu/tpu_plan.h"
#include "runtime/policy.h"
#include "runtime/window_tuner.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::repo_path;
using Mask = std::vector<std::uint8_t>;

NetworkSpec make_net(int layers, bool bidirectional) {
  NetworkSpec n;
  n.name = "test";
  n.cell = CellType::lstm;
  n.input_size = 8;
  n.hidden_size = 8;
  n.num_layers = layers;
  n.bidirectional = bidirectional;
  return n;
}

Request req(std::int64_t id, double arrival, std::int64_t length) {
  Request r;
  r.id = id;
  r.arrival_s = arrival;
  r.length = length;
  return r;
}

RuntimeView make_view(const std::deque<Request>& waiting, std::vector<int> queued, double now = 0,
                      bool more_arrivals = false) {
  RuntimeView v;
  v.now_s = now;
  v.waiting = &waiting;
  v.queued = std::move(queued);
  v.more_arrivals = more_arrivals;
  return v;
}

// A placement as the runtime carries it out: the request removed from `waiting`.
struct Placed {
  int slot;
  std::int64_t id, length, padded_length;
};

// Applies placements in order, as HostRuntime::place does (each erases waiting[waiting_index]).
std::vector<Placed> apply_placements(const std::vector<Placement>& ps, std::deque<Request>& waiting,
                                     std::vector<int>* queued = nullptr) {
  std::vector<Placed> out;
  for (const auto& p : ps) {
    EXPECT_LT(p.waiting_index, waiting.size());
    if (p.waiting_index >= waiting.size()) break;
    const Request r = waiting[p.waiting_index];
    waiting.erase(waiting.begin() + std::ptrdiff_t(p.waiting_index));
    out.push_back({p.slot, r.id, r.length, p.padded_length});
    if (queued) (*queued)[std::size_t(p.slot)]++;
  }
  return out;
}

// --- none -------------------------------------------------------------------------------

TEST(NoBatchingPolicy, PlacesOnlyIntoAnEmptySlotZero) {
  NoBatchingPolicy p(make_net(3, true));
  EXPECT_EQ(p.name(), "none");
  EXPECT_EQ(p.slots(), 1);
  EXPECT_EQ(p.queue_depth(), 1);
  EXPECT_FALSE(p.refill_during_command());
  std::deque<Request> waiting = {req(0, 0, 7), req(1, 0, 3)};
  std::vector<int> queued = {0};
  const auto placed = apply_placements(p.place(make_view(waiting, queued, 0, true)), waiting, &queued);
  ASSERT_EQ(placed.size(), 1u);  // one sequence at a time, the oldest
  EXPECT_EQ(placed[0].slot, 0);
  EXPECT_EQ(placed[0].id, 0);
  EXPECT_EQ(placed[0].padded_length, 7);  // no padding
  // Slot 0 busy: nothing more.
  EXPECT_TRUE(p.place(make_view(waiting, queued)).empty());
  // Empty waiting queue: nothing.
  std::deque<Request> none;
  EXPECT_TRUE(p.place(make_view(none, {0})).empty());
}

TEST(NoBatchingPolicy, CommandCoversAllLayersToTheEnd) {
  NoBatchingPolicy p(make_net(3, true));
  std::deque<Request> waiting;
  const auto cmd = p.next_command(make_view(waiting, {1}));
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->slot_mask, Mask({1}));
  EXPECT_EQ(cmd->steps, 0);  // as many steps as possible
  EXPECT_EQ(cmd->first_layer, 0);
  EXPECT_EQ(cmd->last_layer, 2);
  EXPECT_FALSE(p.next_command(make_view(waiting, {0})).has_value());
  EXPECT_LT(p.wake_at(make_view(waiting, {0})), 0);
}

// --- padded -----------------------------------------------------------------------------

TEST(PaddedBatchingPolicy, WaitsForAFullBatchUntilTheTimeout) {
  const double timeout = 0.010;
  PaddedBatchingPolicy p(make_net(2, false), 4, timeout);
  EXPECT_EQ(p.name(), "padded");
  EXPECT_EQ(p.slots(), 4);
  EXPECT_EQ(p.queue_depth(), 1);
  std::deque<Request> waiting = {req(0, 0.001, 5), req(1, 0.002, 9)};
  // 2 < B waiting, more to come, 4 ms after the oldest arrival: wait.
  auto v = make_view(waiting, {0, 0, 0, 0}, 0.005, true);
  EXPECT_TRUE(p.place(v).empty());
  EXPECT_FALSE(p.next_command(v).has_value());
  EXPECT_DOUBLE_EQ(p.wake_at(v), 0.001 + timeout);  // oldest arrival + timeout
  // Just before the deadline: still waiting.
  v.now_s = 0.001 + timeout - 1e-9;
  EXPECT_TRUE(p.place(v).empty());
  // At the deadline: the partial batch goes, padded to its longest (9).
  v.now_s = 0.001 + timeout;
  EXPECT_LT(p.wake_at(v), 0);  // nothing to wait for
  std::vector<int> queued = {0, 0, 0, 0};
  const auto placed = apply_placements(p.place(v), waiting, &queued);
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[0].id, 0);
  EXPECT_EQ(placed[1].id, 1);
  EXPECT_NE(placed[0].slot, placed[1].slot);
  for (const auto& pl : placed) EXPECT_EQ(pl.padded_length, 9);
  EXPECT_TRUE(waiting.empty());
  // The command runs the occupied slots through every layer to the end.
  const auto cmd = p.next_command(make_view(waiting, queued));
  ASSERT_TRUE(cmd.has_value());
  Mask expected(4, 0);
  for (const auto& pl : placed) expected[std::size_t(pl.slot)] = 1;
  EXPECT_EQ(cmd->slot_mask, expected);
  EXPECT_EQ(cmd->steps, 0);
  EXPECT_EQ(cmd->first_layer, 0);
  EXPECT_EQ(cmd->last_layer, 1);
}

TEST(PaddedBatchingPolicy, NoMoreArrivalsMeansNoWaiting) {
  PaddedBatchingPolicy p(make_net(2, false), 4, 0.010);
  std::deque<Request> waiting = {req(0, 0.001, 5)};
  const auto v = make_view(waiting, {0, 0, 0, 0}, 0.002, false);
  EXPECT_LT(p.wake_at(v), 0);
  const auto placed = apply_placements(p.place(v), waiting);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].padded_length, 5);
}

TEST(PaddedBatchingPolicy, FullBatchTakesTheOldestBPaddedToTheirLongest) {
  PaddedBatchingPolicy p(make_net(2, false), 4, 0.010);
  // Lengths 5, 9, 7, 3 in the batch; 20 is 5th (must not set the padding), 1 is 6th.
  std::deque<Request> waiting = {req(0, 0, 5), req(1, 0, 9), req(2, 0, 7), req(3, 0, 3), req(4, 0, 20), req(5, 0, 1)};
  const auto v = make_view(waiting, {0, 0, 0, 0}, 0.0, true);  // at t=0, but B are waiting
  const auto placed = apply_placements(p.place(v), waiting);
  ASSERT_EQ(placed.size(), 4u);  // min(B, waiting)
  std::vector<int> slots;
  for (std::size_t i = 0; i < placed.size(); ++i) {
    EXPECT_EQ(placed[i].id, std::int64_t(i));
    EXPECT_EQ(placed[i].padded_length, 9);
    EXPECT_GE(placed[i].padded_length, placed[i].length);
    slots.push_back(placed[i].slot);
  }
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(slots, std::vector<int>({0, 1, 2, 3}));
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_EQ(waiting.front().id, 4);
}

TEST(PaddedBatchingPolicy, LengthOrderTakesTheOldestAndTheClosestInLength) {
  PaddedOptions o;
  o.order = PaddedOrder::length;
  PaddedBatchingPolicy p(make_net(2, false), 3, 0.010, o);
  // Oldest is 10 steps; the closest two in length are 11 (id 4) and 12 (id 2): one batch of
  // 12 steps, 3 padding step-slots in all, where arrival order (10, 50, 12) would pad 78.
  std::deque<Request> waiting = {req(0, 0, 10), req(1, 0, 50), req(2, 0, 12),
                                 req(3, 0, 48), req(4, 0, 11), req(5, 0, 49)};
  const auto placed = apply_placements(p.place(make_view(waiting, {0, 0, 0}, 0.0, true)), waiting);
  ASSERT_EQ(placed.size(), 3u);
  std::vector<std::int64_t> ids;
  std::vector<int> slots;
  for (const auto& pl : placed) {
    ids.push_back(pl.id);
    slots.push_back(pl.slot);
    EXPECT_EQ(pl.padded_length, 12);
  }
  std::sort(ids.begin(), ids.end());
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(ids, std::vector<std::int64_t>({0, 2, 4}));
  EXPECT_EQ(slots, std::vector<int>({0, 1, 2}));
  // The rest keep their arrival order: 50, 48, 49.
  ASSERT_EQ(waiting.size(), 3u);
  EXPECT_EQ(waiting[0].id, 1);
  EXPECT_EQ(waiting[1].id, 3);
  EXPECT_EQ(waiting[2].id, 5);
}

TEST(PaddedBatchingPolicy, SortWindowLimitsTheRequestsConsidered) {
  PaddedOptions o;
  o.order = PaddedOrder::length;
  o.sort_window = 3;  // the oldest and the next two only
  PaddedBatchingPolicy p(make_net(2, false), 2, 0.010, o);
  std::deque<Request> waiting = {req(0, 0, 10), req(1, 0, 50), req(2, 0, 30), req(3, 0, 10)};
  const auto placed = apply_placements(p.place(make_view(waiting, {0, 0}, 0.0, true)), waiting);
  ASSERT_EQ(placed.size(), 2u);
  // Id 3 (10 steps) is outside the window: 30 (id 2) is the closest inside it.
  std::vector<std::int64_t> ids = {placed[0].id, placed[1].id};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, std::vector<std::int64_t>({0, 2}));
  EXPECT_EQ(placed[0].padded_length, 30);
}

TEST(PaddedBatchingPolicy, LengthOrderTiesGoToTheOlder) {
  PaddedOptions o;
  o.order = PaddedOrder::length;
  PaddedBatchingPolicy p(make_net(2, false), 2, 0.010, o);
  std::deque<Request> waiting = {req(0, 0, 20), req(1, 0, 25), req(2, 0, 15), req(3, 0, 25)};
  const auto placed = apply_placements(p.place(make_view(waiting, {0, 0}, 0.0, true)), waiting);
  ASSERT_EQ(placed.size(), 2u);
  std::vector<std::int64_t> ids = {placed[0].id, placed[1].id};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, std::vector<std::int64_t>({0, 1}));  // 25 and 15 are both 5 away: the older (id 1)
}

TEST(PaddedBatchingPolicy, TimeoutWorksWithBothOrders) {
  // B = 4, batch_timeout 10 ms. Three waiting (5, 30, 6 steps, arriving at 1, 2, 3 ms), more
  // to come: fewer than B, so both orders wait until the oldest's arrival + 10 ms = 11 ms,
  // then send all three padded to 30. With timeout 0 the partial batch goes at once. With two
  // more arrivals (40 and 7 steps) five wait, more than B: no waiting; arrival takes the oldest
  // four (padded to 40), length the oldest (5) and the three closest to 5 (6, 7, 30: padded to 30).
  for (const auto order : {PaddedOrder::arrival, PaddedOrder::length}) {
    PaddedOptions o;
    o.order = order;
    PaddedBatchingPolicy p(make_net(2, false), 4, 0.010, o);
    std::deque<Request> waiting = {req(0, 0.001, 5), req(1, 0.002, 30), req(2, 0.003, 6)};
    auto v = make_view(waiting, {0, 0, 0, 0}, 0.005, true);
    EXPECT_TRUE(p.place(v).empty());
    EXPECT_DOUBLE_EQ(p.wake_at(v), 0.011);
    v.now_s = 0.011;
    auto w = waiting;
    const auto placed = apply_placements(p.place(v), w);
    ASSERT_EQ(placed.size(), 3u);
    for (const auto& pl : placed) EXPECT_EQ(pl.padded_length, 30);
    PaddedBatchingPolicy now(make_net(2, false), 4, 0.0, o);
    v.now_s = 0.003;
    EXPECT_EQ(now.place(v).size(), 3u);  // timeout 0: at once
    EXPECT_LT(now.wake_at(v), 0);
    waiting.push_back(req(3, 0.004, 40));
    waiting.push_back(req(4, 0.0045, 7));
    v = make_view(waiting, {0, 0, 0, 0}, 0.0045, true);
    const auto full = apply_placements(p.place(v), waiting);
    ASSERT_EQ(full.size(), 4u);
    std::vector<std::int64_t> ids;
    for (const auto& pl : full) ids.push_back(pl.id);
    if (order == PaddedOrder::arrival) {
      EXPECT_EQ(ids, std::vector<std::int64_t>({0, 1, 2, 3}));
      EXPECT_EQ(full[0].padded_length, 40);
    } else {
      EXPECT_EQ(ids, std::vector<std::int64_t>({0, 1, 2, 4}));
      EXPECT_EQ(full[0].padded_length, 30);
    }
  }
}

TEST(PaddedBatchingPolicy, NothingWhileAnySlotIsBusy) {
  PaddedBatchingPolicy p(make_net(2, false), 4, 0.010);
  std::deque<Request> waiting = {req(0, 0, 5), req(1, 0, 9), req(2, 0, 7), req(3, 0, 3), req(4, 0, 2)};
  EXPECT_TRUE(p.place(make_view(waiting, {0, 0, 1, 0}, 1.0, true)).empty());
  EXPECT_TRUE(p.place(make_view(waiting, {0, 0, 1, 0}, 1.0, false)).empty());
  // The running batch's command: only its slot.
  const auto cmd = p.next_command(make_view(waiting, {0, 0, 1, 0}));
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->slot_mask, Mask({0, 0, 1, 0}));
  std::deque<Request> none;
  EXPECT_FALSE(p.next_command(make_view(none, {0, 0, 0, 0})).has_value());
}

// --- cellular ---------------------------------------------------------------------------

// Drives a cellular policy against a hardware SlotEngine (queue depth 1, one slot per
// in-flight sequence) the way the runtime does, and checks each command against the
// hardware state before it runs: the B oldest (arrival, then id) of the ready slots.
struct CellularRig {
  NetworkSpec net;
  int batch;
  CellularBatchingPolicy policy;
  SlotEngine hw;
  std::deque<Request> waiting;
  std::vector<int> queued;
  std::vector<Request> in_slot;
  std::vector<AcceleratorCommand> log;

  CellularRig(const NetworkSpec& n, int slots, CellularOptions o = {})
      : net(n),
        batch(slots),
        policy(n, slots, o),
        hw(n, policy.slots(), 1),
        queued(std::size_t(policy.slots()), 0),
        in_slot(std::size_t(policy.slots())) {}

  std::vector<Placed> place() {
    const std::deque<Request> before = waiting;
    const auto ps = policy.place(make_view(waiting, queued));
    const auto placed = apply_placements(ps, waiting, &queued);
    for (const auto& p : placed) {
      EXPECT_EQ(p.padded_length, p.length);  // no padding
      SequenceDescriptor d;
      d.id = p.id;
      d.length = d.padded_length = p.length;
      EXPECT_TRUE(hw.enqueue(p.slot, d)) << "slot " << p.slot << " reused while occupied";
      const auto r = std::find_if(before.begin(), before.end(), [&](const Request& q) { return q.id == p.id; });
      in_slot[std::size_t(p.slot)] = req(p.id, r->arrival_s, p.length);
    }
    return placed;
  }

  // Issues one command; returns false when the policy has none. Completions are left
  // pending in `done` (the runtime calls on_completion when the result is back).
  bool step(std::vector<Completion>* done = nullptr) {
    const auto cmd = policy.next_command(make_view(waiting, queued));
    if (!cmd) return false;
    log.push_back(*cmd);
    EXPECT_EQ(cmd->steps, 1);
    EXPECT_EQ(cmd->first_layer, cmd->last_layer);
    EXPECT_EQ(cmd->slot_mask.size(), queued.size());
    const int layer = cmd->first_layer;
    // The min(B, ready) oldest of the slots with a ready cell at that layer.
    std::vector<int> ready;
    for (int s = 0; s < int(queued.size()); ++s)
      if (hw.can_advance(s, layer)) ready.push_back(s);
    std::sort(ready.begin(), ready.end(), [&](int a, int b) {
      const Request &x = in_slot[std::size_t(a)], &y = in_slot[std::size_t(b)];
      return x.arrival_s != y.arrival_s ? x.arrival_s < y.arrival_s : x.id < y.id;
    });
    if (int(ready.size()) > batch) ready.resize(std::size_t(batch));
    Mask expected(queued.size(), 0);
    for (int s : ready) expected[std::size_t(s)] = 1;
    EXPECT_EQ(cmd->slot_mask, expected) << "command " << log.size() << " layer " << layer;
    LayerPass pass;
    hw.run_layer({cmd->slot_mask, cmd->steps, layer, layer}, layer, pass);
    int computed = 0;
    for (const auto& seg : pass.forward) computed += seg.end - seg.begin == 1;
    EXPECT_EQ(computed, std::count(cmd->slot_mask.begin(), cmd->slot_mask.end(), 1));
    for (const auto& c : hw.take_completions()) {
      queued[std::size_t(c.slot)]--;
      if (done)
        done->push_back(c);
      else
        policy.on_completion(c.slot, in_slot[std::size_t(c.slot)]);
    }
    return true;
  }
};

TEST(CellularBatchingPolicy, OneRequestPerFreeSlot) {
  CellularRig rig(make_net(2, false), 4);
  EXPECT_EQ(rig.policy.name(), "cellular");
  EXPECT_EQ(rig.policy.slots(), 4);
  EXPECT_EQ(rig.policy.queue_depth(), 1);
  rig.waiting = {req(0, 0, 3), req(1, 0, 4), req(2, 0, 5), req(3, 0, 6), req(4, 0, 7), req(5, 0, 8)};
  const auto placed = rig.place();
  ASSERT_EQ(placed.size(), 4u);  // one per free slot, oldest first
  std::vector<int> slots;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(placed[i].id, std::int64_t(i));
    slots.push_back(placed[i].slot);
  }
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(slots, std::vector<int>({0, 1, 2, 3}));
  EXPECT_EQ(rig.waiting.size(), 2u);
  EXPECT_TRUE(rig.place().empty());  // every slot holds a request
}

TEST(CellularBatchingPolicy, UnidirectionalLayersInterleaveStepByStep) {
  // A (3 steps) in slot 0, B (5 steps) in slot 1. Layer 1 needs layer 0's step, so the
  // oldest request's deepest ready layer alternates: l0 l1 l0 l1 l0 l1 for both slots
  // (A finishes on the 6th command), then l0 l1 l0 l1 for B alone: 10 commands.
  CellularRig rig(make_net(2, false), 4);
  rig.waiting = {req(0, 0.000, 3), req(1, 0.001, 5)};
  const auto placed = rig.place();
  ASSERT_EQ(placed.size(), 2u);
  ASSERT_EQ(placed[0].slot, 0);
  ASSERT_EQ(placed[1].slot, 1);
  while (rig.step()) ASSERT_LT(rig.log.size(), 100u);
  ASSERT_EQ(rig.log.size(), 10u);
  for (std::size_t i = 0; i < rig.log.size(); ++i) {
    EXPECT_EQ(rig.log[i].first_layer, int(i % 2)) << "command " << i;
    EXPECT_EQ(rig.log[i].slot_mask, i < 6 ? Mask({1, 1, 0, 0}) : Mask({0, 1, 0, 0})) << "command " << i;
  }
  EXPECT_TRUE(rig.hw.idle());
}

TEST(CellularBatchingPolicy, DeepestReadyLayerOfTheOldestRequestWithExactlyTheReadySlots) {
  CellularRig rig(make_net(2, false), 4);
  rig.waiting = {req(0, 0.0, 4)};
  rig.place();
  ASSERT_TRUE(rig.step());  // A: layer 0 (the only ready one)
  EXPECT_EQ(rig.log.back().first_layer, 0);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({1, 0, 0, 0}));
  // B joins in slot 1; A (older) has a ready cell at layer 1, B only at layer 0.
  rig.waiting = {req(1, 0.5, 4)};
  const auto placed = rig.place();
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].slot, 1);
  ASSERT_TRUE(rig.step());
  EXPECT_EQ(rig.log.back().first_layer, 1);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({1, 0, 0, 0}));  // B is not ready at layer 1
  ASSERT_TRUE(rig.step());                                  // A caught up at layer 1: layer 0, with B as well
  EXPECT_EQ(rig.log.back().first_layer, 0);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({1, 1, 0, 0}));
}

TEST(CellularBatchingPolicy, OldestRequestDecidesEvenInAHigherSlot) {
  // 2 slots. A (1 step) slot 0, B (6 steps) slot 1. l0 {1,1}; l1 {1,1} finishes A.
  CellularRig rig(make_net(2, false), 2);
  rig.waiting = {req(0, 0.0, 1), req(1, 0.1, 6)};
  rig.place();
  std::vector<Completion> done;
  ASSERT_TRUE(rig.step(&done));
  ASSERT_TRUE(rig.step(&done));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].slot, 0);
  EXPECT_EQ(done[0].descriptor.id, 0);
  // A is done in the hardware, but its result is not back: slot 0 is not reused yet.
  rig.waiting = {req(2, 0.2, 3)};
  EXPECT_TRUE(rig.place().empty());
  // B runs alone: layer 0 (its layer 1 caught up), so B has layer 0 at 2, layer 1 at 1.
  ASSERT_TRUE(rig.step());
  EXPECT_EQ(rig.log.back().first_layer, 0);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({0, 1}));
  rig.policy.on_completion(0, req(0, 0.0, 1));
  const auto placed = rig.place();
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].slot, 0);
  EXPECT_EQ(placed[0].id, 2);
  // C (slot 0, younger) is only ready at layer 0; B (slot 1, older) is ready at layer 1,
  // its deepest: B picks layer 1, C is not in the mask.
  ASSERT_TRUE(rig.step());
  EXPECT_EQ(rig.log.back().first_layer, 1);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({0, 1}));
  while (rig.step()) ASSERT_LT(rig.log.size(), 100u);
  EXPECT_TRUE(rig.hw.idle());
}

TEST(CellularBatchingPolicy, AgeTiesOnArrivalGoToTheLowerRequestId) {
  // As OldestRequestDecidesEvenInAHigherSlot, but every request arrives at 0 (a closed
  // batch): A (id 0, 1 step) slot 0, B (id 1, 6 steps) slot 1. l0 {1,1}; l1 {1,1} finishes
  // A; B alone at l0 (B: l0 2 steps, l1 1). C (id 2) refills slot 0, ready only at l0.
  // Age is arrival then id, so B (id 1) is older than C (id 2) although C is in the lower
  // slot: B's deepest ready layer, l1, runs, without C. (By arrival alone the tie fell
  // back to slot order: C picked l0 and ran {1,1}.)
  CellularRig rig(make_net(2, false), 2);
  rig.waiting = {req(0, 0.0, 1), req(1, 0.0, 6)};
  rig.place();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.step());
  EXPECT_EQ(rig.log.back().first_layer, 0);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({0, 1}));
  rig.waiting = {req(2, 0.0, 3)};
  const auto placed = rig.place();
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].slot, 0);
  ASSERT_TRUE(rig.step());
  EXPECT_EQ(rig.log.back().first_layer, 1);
  EXPECT_EQ(rig.log.back().slot_mask, Mask({0, 1}));
  while (rig.step()) ASSERT_LT(rig.log.size(), 100u);
  EXPECT_TRUE(rig.hw.idle());
}

// Two layers, B = 3. A (id 0) runs one l0 step alone, then B (id 1) and C (id 2) join:
// l0 has 3 ready requests (A, B, C), l1 has 1 (A). The second cell then leaves
// A at l0 2, l1 0 and B, C at l0 1: if it ran l0, both layers have 3 ready.
struct SchedulerCase {
  CellularScheduler scheduler;
  int second_layer;  // the layer of the second cell
  Mask second_mask;
  int third_layer;  // the third cell's layer, if the second ran l0 (-1: not checked)
};

void run_scheduler_case(const SchedulerCase& c) {
  CellularOptions o;
  o.scheduler = c.scheduler;
  CellularRig rig(make_net(2, false), 3, o);
  rig.waiting = {req(0, 0.0, 4)};
  rig.place();
  ASSERT_TRUE(rig.step());  // only l0 is ready: every scheduler runs it
  EXPECT_EQ(rig.log.back().first_layer, 0);
  rig.waiting = {req(1, 0.1, 4), req(2, 0.2, 4)};
  ASSERT_EQ(rig.place().size(), 2u);
  ASSERT_TRUE(rig.step());
  EXPECT_EQ(rig.log.back().first_layer, c.second_layer);
  EXPECT_EQ(rig.log.back().slot_mask, c.second_mask);
  if (c.third_layer >= 0) {
    ASSERT_TRUE(rig.step());
    EXPECT_EQ(rig.log.back().first_layer, c.third_layer);
    EXPECT_EQ(rig.log.back().slot_mask, Mask({1, 1, 1}));
  }
  while (rig.step()) ASSERT_LT(rig.log.size(), 100u);  // and every request finishes
  EXPECT_TRUE(rig.hw.idle());
}

TEST(CellularBatchingPolicy, OldestDeepestRunsTheOldestRequestsDeepestReadyLayer) {
  // A is oldest; its deepest ready layer is l1, where only A is ready.
  run_scheduler_case({CellularScheduler::oldest_deepest, 1, {1, 0, 0}, -1});
}

TEST(CellularBatchingPolicy, MostReadyRunsTheLayerWithTheMostReadyRequests) {
  // l0: 3 ready, l1: 1 -> l0 {1,1,1}; then 3 and 3: the tie goes to the deeper, l1.
  run_scheduler_case({CellularScheduler::most_ready, 0, {1, 1, 1}, 1});
}

TEST(CellularBatchingPolicy, StickyStaysOnItsLayerWhileItHasReadyWork) {
  // The last cell ran l0, which still has ready work: l0 {1,1,1}, and l0 again.
  run_scheduler_case({CellularScheduler::sticky, 0, {1, 1, 1}, 0});
}

TEST(CellularBatchingPolicy, StickyRunsOneRequestLayerByLayer) {
  // One request of 3 steps on 3 layers. sticky: l0 l0 l0 (l0 is done), then the oldest's
  // deepest ready layer l1, three times, then l2: 9 cells, layer-major. oldest_deepest:
  // l0 l1 l2 repeated (each layer's step is ready as soon as the one below produced it).
  for (const auto sched : {CellularScheduler::sticky, CellularScheduler::oldest_deepest}) {
    CellularOptions o;
    o.scheduler = sched;
    CellularRig rig(make_net(3, false), 2, o);
    rig.waiting = {req(0, 0.0, 3)};
    rig.place();
    while (rig.step()) ASSERT_LT(rig.log.size(), 100u);
    ASSERT_EQ(rig.log.size(), 9u);
    for (std::size_t i = 0; i < 9; ++i)
      EXPECT_EQ(rig.log[i].first_layer, sched == CellularScheduler::sticky ? int(i / 3) : int(i % 3)) << i;
  }
}

TEST(CellularBatchingPolicy, InFlightAboveBRunsTheBOldestReadyPerCell) {
  // B = 2 of 4 in flight, one layer: all four are ready at l0 every step. The hardware has
  // 4 slots; each cell runs the 2 oldest (arrival, then id): ids 0, 1 (slots 0, 1) for their
  // 2 steps, then ids 2, 3. Request 4 (arrives last) refills slot 0 when id 0's result is back
  // and is the youngest: it runs after 2 and 3.
  CellularOptions o;
  o.in_flight = 4;
  CellularRig rig(make_net(1, false), 2, o);
  EXPECT_EQ(rig.policy.slots(), 4);
  EXPECT_EQ(rig.policy.cell_batch(), 2);
  rig.waiting = {req(0, 0.0, 2), req(1, 0.0, 2), req(2, 0.0, 2), req(3, 0.0, 2), req(4, 0.5, 2)};
  ASSERT_EQ(rig.place().size(), 4u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(rig.step());
    EXPECT_EQ(rig.log.back().slot_mask, Mask({1, 1, 0, 0}));
  }
  const auto placed = rig.place();  // ids 0 and 1 completed: 4 takes slot 0
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].slot, 0);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(rig.step());
    EXPECT_EQ(rig.log.back().slot_mask, Mask({0, 0, 1, 1}));
  }
  while (rig.step()) ASSERT_LT(rig.log.size(), 100u);
  EXPECT_EQ(rig.log.size(), 6u);  // 5 requests x 2 steps = 10 cell-steps, 2 per cell except the last two
  for (const auto& c : rig.log) EXPECT_LE(std::count(c.slot_mask.begin(), c.slot_mask.end(), 1), 2);
  EXPECT_TRUE(rig.hw.idle());
}

TEST(CellularBatchingPolicy, NoCellExceedsBOverAWholeBidirectionalRun) {
  // 3 bidirectional layers, B = 3, auto: 3 x (3 + 1) = 12 in flight; 30 requests of 1..7 steps.
  for (const auto sched :
       {CellularScheduler::oldest_deepest, CellularScheduler::most_ready, CellularScheduler::sticky}) {
    CellularOptions o;
    o.in_flight = CellularOptions::kAuto;
    o.scheduler = sched;
    CellularRig rig(make_net(3, true), 3, o);
    ASSERT_EQ(rig.policy.slots(), 12);
    for (int i = 0; i < 30; ++i) rig.waiting.push_back(req(i, 0.001 * (i / 4), 1 + (i * 5) % 7));
    int completed = 0;
    for (int guard = 0; guard < 10000; ++guard) {
      rig.place();
      std::vector<Completion> done;
      if (!rig.step(&done)) break;
      for (const auto& c : done) rig.policy.on_completion(c.slot, rig.in_slot[std::size_t(c.slot)]), ++completed;
    }
    EXPECT_EQ(completed, 30);
    EXPECT_TRUE(rig.waiting.empty());
    for (const auto& c : rig.log) EXPECT_LE(std::count(c.slot_mask.begin(), c.slot_mask.end(), 1), 3);
    EXPECT_TRUE(rig.hw.idle());
  }
}

TEST(CellularBatchingPolicy, FillCommandsGivesNextCommandsCellsInKeptStorage) {
  // Two identical policies on the same requests, each issuing up to 4 cells at a time:
  // fill_commands into one kept vector gives the cells next_commands gives, and the kept
  // entries' masks keep their storage (no allocation per command once they exist).
  // Hand-worked start: 2 unidirectional layers, B = 2, requests of 2 steps at t = 0: the
  // cells are layer 0 on both, then layer 1 on both (the oldest's deepest ready layer).
  for (const auto sched :
       {CellularScheduler::oldest_deepest, CellularScheduler::most_ready, CellularScheduler::sticky}) {
    CellularOptions o;
    o.in_flight = CellularOptions::kAuto;  // 2 x 2 = 4 in flight
    o.scheduler = sched;
    const NetworkSpec net = make_net(2, false);
    CellularBatchingPolicy a(net, 2, o), b(net, 2, o);
    SlotEngine hw(net, a.slots(), 1);
    std::deque<Request> wa, wb;
    for (int i = 0; i < 12; ++i) wa.push_back(req(i, 0, 2 + i % 3)), wb.push_back(wa.back());
    std::vector<int> queued(std::size_t(a.slots()), 0);
    std::vector<AcceleratorCommand> kept;
    std::vector<const std::uint8_t*> storage;
    int completed = 0, batches = 0;
    for (int guard = 0; guard < 1000; ++guard) {
      const auto pa = a.place(make_view(wa, queued));
      const auto pb = b.place(make_view(wb, queued));
      ASSERT_EQ(pa.size(), pb.size());
      apply_placements(pb, wb);
      for (const auto& p : apply_placements(pa, wa, &queued)) {
        SequenceDescriptor d;
        d.id = p.id;
        d.length = d.padded_length = p.length;
        ASSERT_TRUE(hw.enqueue(p.slot, d));
      }
      const auto cmds = a.next_commands(make_view(wa, queued), 4);
      const std::size_t n = b.fill_commands(make_view(wb, queued), 4, kept);
      ASSERT_EQ(n, cmds.size());
      if (n == 0) break;
      if (batches++ == 0 && sched == CellularScheduler::oldest_deepest) {
        ASSERT_EQ(n, 4u);
        EXPECT_EQ(cmds[0].first_layer, 0);
        EXPECT_EQ(cmds[0].slot_mask, (Mask{1, 1, 0, 0}));
        EXPECT_EQ(cmds[1].first_layer, 1);
        EXPECT_EQ(cmds[1].slot_mask, (Mask{1, 1, 0, 0}));
      }
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_EQ(kept[i].slot_mask, cmds[i].slot_mask);
        EXPECT_EQ(kept[i].steps, cmds[i].steps);
        EXPECT_EQ(kept[i].first_layer, cmds[i].first_layer);
        EXPECT_EQ(kept[i].last_layer, cmds[i].last_layer);
        if (i < storage.size()) {
          EXPECT_EQ(kept[i].slot_mask.data(), storage[i]) << "entry " << i << " reallocated its mask";
        } else {
          storage.push_back(kept[i].slot_mask.data());
        }
        LayerPass pass;
        const int layer = cmds[i].first_layer;
        hw.run_layer({cmds[i].slot_mask, cmds[i].steps, layer, layer}, layer, pass);
      }
      for (const auto& c : hw.take_completions()) {
        queued[std::size_t(c.slot)]--;
        a.on_completion(c.slot, Request{});
        b.on_completion(c.slot, Request{});
        ++completed;
      }
    }
    EXPECT_EQ(completed, 12);
    EXPECT_TRUE(hw.idle());
  }
}

TEST(CellularBatchingPolicy, InFlightAutoHoldsAsManyAsEbatch) {
  // E-BATCH holds B x queue depth: auto depth is L + 1 for bidirectional networks (each
  // layer may hold a different sequence of the slot, plus one waiting), 2 otherwise.
  CellularOptions o;
  o.in_flight = CellularOptions::kAuto;
  EXPECT_EQ(CellularBatchingPolicy(make_net(4, true), 4, o).slots(), 4 * 5);
  EXPECT_EQ(CellularBatchingPolicy(make_net(3, false), 8, o).slots(), 8 * 2);
  o.ebatch_queue_depth = 3;  // policy.slot_queue_depth given
  EXPECT_EQ(CellularBatchingPolicy(make_net(4, true), 4, o).slots(), 12);
  EXPECT_EQ(CellularBatchingPolicy(make_net(4, true), 4).slots(), 4);  // default: in_flight = slots
  EXPECT_EQ(CellularBatchingPolicy(make_net(4, true), 4).describe(), "cellular");
  // And from a config: the default experiment's network, against E-BATCH's policy.
  const std::string def = repo_path("configs/experiments/default.yaml");
  const auto cell = make_policy(load_experiment(def, {{"policy", "{kind: cellular, slots: 4, in_flight: auto}"}}));
  const auto eb = make_policy(load_experiment(def, {{"policy", "{kind: ebatch, slots: 4, window_steps: 8}"}}), 8);
  EXPECT_EQ(cell->slots(), eb->slots() * eb->queue_depth());
  EXPECT_GT(cell->slots(), 4);
}

// --- E-BATCH ----------------------------------------------------------------------------

PolicyConfig ebatch_config(int slots, int depth = 0, Refill refill = Refill::window_boundary) {
  PolicyConfig c;
  c.kind = policy_named("ebatch");
  c.slots = slots;
  c.queue_depth = depth;
  c.refill = refill;
  return c;
}

TEST(EbatchPolicy, AutoQueueDepth) {
  // Bidirectional: each layer may hold a different sequence of the slot, plus one queued.
  EXPECT_EQ(auto_queue_depth(make_net(4, true)), 5);
  EXPECT_EQ(auto_queue_depth(make_net(1, true)), 2);
  EXPECT_EQ(auto_queue_depth(make_net(4, false)), 2);
  EXPECT_EQ(auto_queue_depth(make_net(8, false)), 2);
  EXPECT_EQ(EbatchPolicy(make_net(4, true), ebatch_config(4), 8, "").queue_depth(), 5);
  EXPECT_EQ(EbatchPolicy(make_net(3, false), ebatch_config(4), 8, "").queue_depth(), 2);
  EXPECT_EQ(EbatchPolicy(make_net(4, true), ebatch_config(4, 3), 8, "").queue_depth(), 3);  // explicit
}

TEST(EbatchPolicy, FillsTheEmptiestSlotsFirstUpToTheQueueDepth) {
  EbatchPolicy p(make_net(2, false), ebatch_config(4), 8, "");
  ASSERT_EQ(p.queue_depth(), 2);
  std::deque<Request> waiting;
  for (int i = 0; i < 7; ++i) waiting.push_back(req(i, 0, 3 + i));
  std::vector<int> queued = {2, 0, 1, 0};
  const std::vector<int> before = queued;
  // Room: 0 + 2 + 1 + 2 = 5 sequences; the 6th and 7th wait.
  const auto ps = p.place(make_view(waiting, queued, 0, true));
  std::vector<int> counts = before;
  std::deque<Request> w = waiting;
  const auto placed = apply_placements(ps, w);
  ASSERT_EQ(placed.size(), 5u);
  for (std::size_t i = 0; i < placed.size(); ++i) {
    EXPECT_EQ(placed[i].id, std::int64_t(i));  // oldest first
    EXPECT_EQ(placed[i].padded_length, placed[i].length);
    // The chosen slot is one of the emptiest at that moment.
    EXPECT_EQ(counts[std::size_t(placed[i].slot)], *std::min_element(counts.begin(), counts.end()))
        << "placement " << i;
    counts[std::size_t(placed[i].slot)]++;
  }
  EXPECT_EQ(counts, std::vector<int>({2, 2, 2, 2}));
  EXPECT_EQ(w.size(), 2u);
  // Full: nothing more.
  EXPECT_TRUE(p.place(make_view(w, counts)).empty());
}

TEST(EbatchPolicy, CommandIsAWindowOverTheOccupiedSlots) {
  EbatchPolicy p(make_net(3, true), ebatch_config(4), 8, "tuner says so");
  std::deque<Request> waiting;
  const auto cmd = p.next_command(make_view(waiting, {1, 0, 3, 0}));
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->slot_mask, Mask({1, 0, 1, 0}));
  EXPECT_EQ(cmd->steps, 8);
  EXPECT_EQ(cmd->first_layer, 0);
  EXPECT_EQ(cmd->last_layer, 2);
  EXPECT_FALSE(p.next_command(make_view(waiting, {0, 0, 0, 0})).has_value());
  EXPECT_EQ(p.window_steps(), 8);
  const std::string d = p.describe();
  EXPECT_NE(d.find("N = 8"), std::string::npos) << d;
  EXPECT_NE(d.find("tuner says so"), std::string::npos) << d;
  EXPECT_NE(d.find("window boundaries"), std::string::npos) << d;
  EXPECT_FALSE(p.refill_during_command());
  EbatchPolicy q(make_net(3, true), ebatch_config(4, 0, Refill::immediate), 16, "");
  EXPECT_TRUE(q.refill_during_command());
  EXPECT_NE(q.describe().find("N = 16"), std::string::npos) << q.describe();
  EXPECT_NE(q.describe().find("at once"), std::string::npos) << q.describe();
}

TEST(MakePolicy, BuildsTheConfiguredKind) {
  const std::string def = repo_path("configs/experiments/default.yaml");
  EXPECT_EQ(make_policy(load_experiment(def, {{"policy", "{kind: none}"}}))->name(), "none");
  auto padded = make_policy(load_experiment(def, {{"policy", "{kind: padded, slots: 6}"}}));
  EXPECT_EQ(padded->name(), "padded");
  EXPECT_EQ(padded->slots(), 6);
  auto cellular = make_policy(load_experiment(def, {{"policy", "{kind: cellular, slots: 3}"}}));
  EXPECT_EQ(cellular->name(), "cellular");
  EXPECT_EQ(cellular->slots(), 15);  // in_flight: auto: 3 x EESEN's queue depth 5, as E-BATCH holds
  const Experiment autow = load_experiment(def, {{"policy", "{kind: ebatch, slots: 4, window_steps: auto}"}});
  EXPECT_THROW(make_policy(autow), std::logic_error);  // auto needs the tuner's choice
  auto tuned = make_policy(autow, 16, "because");
  EXPECT_NE(tuned->describe().find("N = 16"), std::string::npos) << tuned->describe();
  EXPECT_NE(tuned->describe().find("because"), std::string::npos) << tuned->describe();
  EXPECT_EQ(tuned->queue_depth(), 5);  // EESEN: 4 bidirectional layers
  auto fixed = make_policy(load_experiment(def, {{"policy", "{kind: ebatch, slots: 4, window_steps: 32}"}}), 16, "x");
  EXPECT_NE(fixed->describe().find("N = 32"), std::string::npos) << fixed->describe();  // configured wins
  EXPECT_NE(fixed->describe().find("configured"), std::string::npos) << fixed->describe();
}

TEST(MakePolicy, CellularOptionsAreCheckedWithTheirKey) {
  const std::string def = repo_path("configs/experiments/default.yaml");
  const auto message = [&](const std::string& policy) {
    try {
      make_policy(load_experiment(def, {{"policy", policy}}));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{kind: cellular, slots: 4, in_flight: 2}").find("policy.in_flight"), std::string::npos);
  EXPECT_NE(message("{kind: cellular, slots: 4, in_flight: 300}").find("policy.in_flight"), std::string::npos);
  EXPECT_NE(message("{kind: cellular, slots: 4, scheduler: newest}").find("policy.scheduler"), std::string::npos);
  // EESEN: 4 bidirectional layers, auto depth 5: 64 x 5 = 320 > the register map's 256 slots.
  const std::string big = message("{kind: cellular, slots: 64, in_flight: auto}");
  EXPECT_NE(big.find("policy.in_flight"), std::string::npos) << big;
  EXPECT_NE(big.find("320"), std::string::npos) << big;
  EXPECT_NE(message("{kind: padded, slots: 4, scheduler: sticky}").find("only used by policy 'cellular'"),
            std::string::npos);
  const Experiment e =
      load_experiment(def, {{"policy", "{kind: cellular, slots: 4, in_flight: 12, scheduler: most_ready}"}});
  EXPECT_EQ(make_policy(e)->slots(), 12);
  EXPECT_EQ(e.resolved["policy"]["scheduler"].as<std::string>(), "most_ready");
  const Experiment d = load_experiment(def, {{"policy", "{kind: cellular, slots: 4}"}});
  EXPECT_EQ(d.resolved["policy"]["in_flight"].as<std::string>(), "auto");  // defaults are shown
  EXPECT_EQ(d.resolved["policy"]["scheduler"].as<std::string>(), "oldest_deepest");
  // Cellular queues its cells in a command ring unless told otherwise; the others use MMIO.
  EXPECT_EQ(d.policy.command_mode, CommandMode::queue);
  EXPECT_EQ(d.resolved["policy"]["command_mode"].as<std::string>(), "queue");
  EXPECT_EQ(load_experiment(def, {{"policy", "{kind: cellular, slots: 4, command_mode: mmio}"}}).policy.command_mode,
            CommandMode::mmio);
  EXPECT_EQ(load_experiment(def, {{"policy", "{kind: padded, slots: 4}"}}).policy.command_mode, CommandMode::mmio);
}

// --- window tuner -------------------------------------------------------------------------

Experiment eesen_epur_ebatch(const std::vector<Override>& extra = {}) {
  // The whole policy section, so the test does not depend on default.yaml's policy.
  std::vector<Override> o = {{"policy", "{kind: ebatch, slots: 4}"}};
  o.insert(o.end(), extra.begin(), extra.end());
  return load_experiment(repo_path("configs/experiments/default.yaml"), o);
}

std::vector<Request> fixed_pilot(int n, std::int64_t length) {
  std::vector<Request> v;
  for (int i = 0; i < n; ++i) v.push_back(req(i, 0.0, length));
  return v;
}

// EpurEstimator plus a second cost model over the same passes, to count weight bytes.
class CountingEstimator : public PassEstimator {
 public:
  explicit CountingEstimator(const Experiment& e)
      : inner_(e.hardware, e.network, e.energy), model_(e.hardware, e.network) {}
  PassEstimate estimate(const LayerPass& pass) override {
    const PassCost c = model_.cost(pass);
    weight_bytes += c.weight_load_bytes + c.weight_stream_bytes;
    passes++;
    return inner_.estimate(pass);
  }
  double leakage_watts() const override { return inner_.leakage_watts(); }
  void reset() override {
    inner_.reset();
    model_.reset_residency();
    weight_bytes = 0;
    passes = 0;
  }
  std::uint64_t weight_bytes = 0, passes = 0;

 private:
  EpurEstimator inner_;
  EpurCostModel model_;
};

// A cellular cell costs only what it runs: sequences in flight outside the mask add no
// time and no energy to the pass (the planners read the pass's segments). Two sequences of
// 5 steps in slots 0 and 1 run one step of layer 0, once on a 2-slot engine and once on an
// 8-slot one whose slots 2..7 hold six more sequences: the same estimate on E-PUR and the TPU.
TEST(CellularBatchingPolicy, CellCostDependsOnlyOnTheSlotsItRuns) {
  for (const char* hw : {"configs/hw/epur.yaml", "configs/hw/tpu_v1.yaml"}) {
    const bool tpu = std::string(hw).find("tpu") != std::string::npos;
    const Experiment e = eesen_epur_ebatch(
        {{"hardware", repo_path(hw)},
         {"energy", repo_path(tpu ? "configs/energy/tpu_28nm.yaml" : "configs/energy/epur_28nm.yaml")}});
    PassEstimate cost[2];
    for (int k = 0; k < 2; ++k) {
      const int slots = k == 0 ? 2 : 8;
      SlotEngine engine(e.network, slots, 1);
      for (int s = 0; s < slots; ++s) {
        SequenceDescriptor d;
        d.id = s;
        d.length = d.padded_length = 5;
        engine.enqueue(s, d);
      }
      std::vector<std::uint8_t> mask(std::size_t(slots), 0);
      mask[0] = mask[1] = 1;
      LayerPass pass;
      engine.run_layer({mask, 1, 0, 0}, 0, pass);
      ASSERT_EQ(pass.forward.size(), 2u);
      std::unique_ptr<PassEstimator> est;
      if (tpu)
        est = std::make_unique<TpuEstimator>(e.hardware, e.network, e.energy);
      else
        est = std::make_unique<EpurEstimator>(e.hardware, e.network, e.energy);
      cost[k] = est->estimate(pass);
    }
    EXPECT_GT(cost[0].seconds, 0) << hw;
    EXPECT_DOUBLE_EQ(cost[0].seconds, cost[1].seconds) << hw;
    EXPECT_DOUBLE_EQ(cost[0].dynamic_joules, cost[1].dynamic_joules) << hw;
  }
}

TEST(WindowTuner, EveryPilotRequestCompletes) {
  const Experiment e = eesen_epur_ebatch();
  EpurEstimator est(e.hardware, e.network, e.energy);
  const auto pilot = fixed_pilot(6, 12);
  for (int n : {1, 8, 128}) {
    const TunerPoint p = estimate_window(e, pilot, n, est);
    EXPECT_EQ(p.window, n);
    EXPECT_GT(p.makespan_s, 0);
    EXPECT_GT(p.throughput_per_s, 0);
    // throughput = completed / makespan: all 6 came back.
    EXPECT_NEAR(p.throughput_per_s * p.makespan_s, 6.0, 1e-9) << "N=" << n;
    EXPECT_GT(p.energy_per_sequence_j, 0);
    EXPECT_GT(p.mean_latency_s, 0);
    EXPECT_GE(p.p99_latency_s, p.mean_latency_s);
    EXPECT_LE(p.p99_latency_s, p.makespan_s + e.policy.host_reaction_latency_s + 1e-15);
  }
}

TEST(WindowTuner, LargeWindowLoadsWeightsFewerTimesAndSavesEnergy) {
  // EESEN on E-PUR (fp16): a layer's weights take 320 rows x (in + 320 + 2) x 2 dirs x 2 B
  // per CU: 0.57 MB (layer 0), 1.23 MB (layers 1-3); two of layers 1-3 exceed the 2 MiB
  // weight buffer, so each change between them reloads a layer. 8 requests of 12 steps,
  // all at t=0, fill 4 slots x 2 (depth 5). N=128 covers every step of every queued
  // sequence in one window: each layer and the output layer load exactly once. N=1 switches
  // layers every step and reloads them many times. (Without next-layer prefetch, whose
  // bytes this counter does not see as loads.)
  const Experiment e = eesen_epur_ebatch({{"hardware.weight_prefetch", "off"}});
  CountingEstimator est(e);
  const auto pilot = fixed_pilot(8, 12);
  const TunerPoint big = estimate_window(e, pilot, 128, est);
  const std::uint64_t big_bytes = est.weight_bytes, big_passes = est.passes;
  const TunerPoint small = estimate_window(e, pilot, 1, est);
  const std::uint64_t small_bytes = est.weight_bytes, small_passes = est.passes;

  const EpurCostModel model(e.hardware, e.network);
  ASSERT_FALSE(model.layer_bytes_per_cu(1) + model.layer_bytes_per_cu(2) <=
               e.hardware.config<EpurConfig>().weight_buffer_bytes);
  std::uint64_t all_once = model.output_layer_bytes_per_cu();
  for (int l = 0; l < e.network.num_layers; ++l) all_once += model.layer_bytes_per_cu(l);
  all_once *= std::uint64_t(e.hardware.config<EpurConfig>().compute_units);
  EXPECT_EQ(big_bytes, all_once);
  EXPECT_EQ(big_passes, 4u);  // one pass per layer
  EXPECT_GT(small_passes, big_passes);
  EXPECT_GT(small_bytes, 2 * big_bytes);
  EXPECT_NEAR(big.throughput_per_s * big.makespan_s, 8.0, 1e-9);
  EXPECT_NEAR(small.throughput_per_s * small.makespan_s, 8.0, 1e-9);
  EXPECT_LT(big.energy_per_sequence_j, small.energy_per_sequence_j);
}

TEST(WindowTuner, KneeIsTheSmallestWindowWithin5PercentOfTheLowestEnergy) {
  const Experiment e = eesen_epur_ebatch();
  ASSERT_EQ(e.policy.tuner.objective, TunerObjective::knee);
  EpurEstimator est(e.hardware, e.network, e.energy);
  const auto pilot = fixed_pilot(8, 12);
  const TunerChoice c = tune_window(e, pilot, est);
  ASSERT_EQ(c.points.size(), e.policy.tuner.candidates.size());
  double lowest = c.points[0].energy_per_sequence_j;
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    EXPECT_EQ(c.points[i].window, e.policy.tuner.candidates[i]);
    lowest = std::min(lowest, c.points[i].energy_per_sequence_j);
  }
  const auto chosen =
      std::find_if(c.points.begin(), c.points.end(), [&](const TunerPoint& p) { return p.window == c.window; });
  ASSERT_NE(chosen, c.points.end()) << "window " << c.window << " is not a candidate";
  EXPECT_LE(chosen->energy_per_sequence_j, 1.05 * lowest);
  for (const auto& p : c.points) {
    if (p.window < c.window) {
      EXPECT_GT(p.energy_per_sequence_j, 1.05 * lowest) << "N=" << p.window << " is smaller";
    }
  }
  // The choice agrees with a fresh estimate of the same window (estimates are repeatable).
  EXPECT_DOUBLE_EQ(estimate_window(e, pilot, c.window, est).energy_per_sequence_j, chosen->energy_per_sequence_j);
  EXPECT_NE(c.reason.find("knee"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("8 pilot requests"), std::string::npos) << c.reason;
}

TEST(WindowTuner, MinEnergyWithoutTargetIsTheLowestEnergyCandidate) {
  const Experiment e = eesen_epur_ebatch({{"policy.tuner", "{objective: min_energy_under_latency}"}});
  EpurEstimator est(e.hardware, e.network, e.energy);
  const TunerChoice c = tune_window(e, fixed_pilot(8, 12), est);
  const auto best = std::min_element(c.points.begin(), c.points.end(), [](const TunerPoint& a, const TunerPoint& b) {
    return a.energy_per_sequence_j < b.energy_per_sequence_j;
  });
  EXPECT_EQ(c.window, best->window);
  EXPECT_NE(c.reason.find("lowest estimated energy"), std::string::npos) << c.reason;
}

TEST(WindowTuner, MinEnergyUnderAnImpossibleTargetFallsBackToTheLowestP99) {
  const Experiment e =
      eesen_epur_ebatch({{"policy.tuner", "{objective: min_energy_under_latency, latency_target: 1 ns}"}});
  ASSERT_DOUBLE_EQ(e.policy.tuner.latency_target_s, 1e-9);
  EpurEstimator est(e.hardware, e.network, e.energy);
  const TunerChoice c = tune_window(e, fixed_pilot(8, 12), est);
  for (const auto& p : c.points) ASSERT_GT(p.p99_latency_s, 1e-9);  // nothing meets 1 ns
  const auto best = std::min_element(c.points.begin(), c.points.end(), [](const TunerPoint& a, const TunerPoint& b) {
    return a.p99_latency_s < b.p99_latency_s;
  });
  EXPECT_EQ(c.window, best->window);
  EXPECT_NE(c.reason.find("no window meets the p99 latency target"), std::string::npos) << c.reason;
}

TEST(WindowTuner, MinEnergyUnderAReachableTarget) {
  // Target = the median p99 over the candidates: the choice meets it and no candidate
  // that meets it uses less energy.
  const Experiment probe = eesen_epur_ebatch({{"policy.tuner", "{objective: min_energy_under_latency}"}});
  EpurEstimator est(probe.hardware, probe.network, probe.energy);
  const auto pilot = fixed_pilot(8, 12);
  std::vector<double> p99;
  for (const auto& p : tune_window(probe, pilot, est).points) p99.push_back(p.p99_latency_s);
  std::sort(p99.begin(), p99.end());
  Experiment e = probe;
  e.policy.tuner.latency_target_s = p99[p99.size() / 2];
  const TunerChoice c = tune_window(e, pilot, est);
  const auto chosen =
      std::find_if(c.points.begin(), c.points.end(), [&](const TunerPoint& p) { return p.window == c.window; });
  ASSERT_NE(chosen, c.points.end());
  EXPECT_LE(chosen->p99_latency_s, e.policy.tuner.latency_target_s);
  for (const auto& p : c.points) {
    if (p.p99_latency_s <= e.policy.tuner.latency_target_s) {
      EXPECT_GE(p.energy_per_sequence_j, chosen->energy_per_sequence_j) << "N=" << p.window;
    }
  }
  EXPECT_NE(c.reason.find("under the p99 latency target"), std::string::npos) << c.reason;
}

TEST(WindowTuner, PilotIsTheFirstRequests) {
  const auto all = fixed_pilot(300, 5);
  const auto p = pilot_requests(all);
  ASSERT_EQ(p.size(), 200u);
  EXPECT_EQ(p.front().id, 0);
  EXPECT_EQ(p.back().id, 199);
  EXPECT_EQ(pilot_requests(all, 7).size(), 7u);
  EXPECT_EQ(pilot_requests(fixed_pilot(3, 5), 200).size(), 3u);
}

// Issue 17: SIGINT/SIGTERM (the run's stop flag) ends the tuner at once, as it ends a run.
TEST(WindowTuner, StopsWhenInterrupted) {
  const Experiment e = eesen_epur_ebatch();
  EpurEstimator est(e.hardware, e.network, e.energy);
  const volatile std::sig_atomic_t stop = SIGINT;
  const TunerPoint p = estimate_window(e, fixed_pilot(6, 12), 8, est, &stop);
  EXPECT_EQ(p.makespan_s, 0);  // nothing replayed
  const TunerChoice c = tune_window(e, fixed_pilot(6, 12), est, &stop);
  EXPECT_TRUE(c.points.empty());
  EXPECT_EQ(c.window, e.policy.tuner.candidates.front());
  EXPECT_NE(c.reason.find("interrupted"), std::string::npos);
  const volatile std::sig_atomic_t go = 0;
  EXPECT_EQ(tune_window(e, fixed_pilot(6, 12), est, &go).points.size(), e.policy.tuner.candidates.size());
}

}  // namespace
}  // namespace ebatch
