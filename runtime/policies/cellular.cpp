// `policy.kind: cellular`: cellular batching, BatchMaker-style (CellularBatchingPolicy), and
// its options: in_flight (slots | auto | N), scheduler (oldest_deepest | most_ready | sticky)
// and slot_queue_depth (E-BATCH's, read only for in_flight: auto).
#include "common/config_reader.h"
#include "common/enum_table.h"
#include "runtime/policy.h"

namespace ebatch {
namespace {

constexpr int kMaxInFlight = 256;  // hw/contract/register_map.h: 256 slot-mask bits

const EnumTable<CellularScheduler>& schedulers() {
  static const EnumTable<CellularScheduler> t{{CellularScheduler::oldest_deepest, "oldest_deepest"},
                                              {CellularScheduler::most_ready, "most_ready"},
                                              {CellularScheduler::sticky, "sticky"}};
  return t;
}

void parse(const ConfigSection& s, PolicyConfig& p) {
  auto& o = p.options.get<CellularOptions>();
  const std::string n = s.has("in_flight") ? s.node()["in_flight"].Scalar() : "auto";
  if (n == "slots" || n == "auto") {
    s.string("in_flight", "auto");
    o.in_flight = n == "auto" ? CellularOptions::kAuto : CellularOptions::kSlots;
  } else {
    o.in_flight = int(s.integer("in_flight", 1, kMaxInFlight));
    if (o.in_flight < p.slots)
      s.fail("in_flight", std::to_string(o.in_flight) + " sequences in flight is fewer than policy.slots (" +
                              std::to_string(p.slots) + "): a cell could never be full");
  }
  o.scheduler = s.choice("scheduler", schedulers(), CellularScheduler::oldest_deepest);
  // E-BATCH's slot queue depth, when given: what in_flight: auto multiplies B by.
  if (s.has("slot_queue_depth") && s.node()["slot_queue_depth"].Scalar() == "auto")
    s.string("slot_queue_depth", "auto");
  else if (s.has("slot_queue_depth"))
    o.ebatch_queue_depth = int(s.integer("slot_queue_depth", 1, 64));
}

std::unique_ptr<BatchingPolicy> make(const Experiment& e, int, const std::string&) {
  const CellularOptions o = e.policy.options.empty() ? CellularOptions{} : e.policy.options.get<CellularOptions>();
  const int in_flight = cellular_in_flight(e.network, e.policy.slots, o);
  if (in_flight > kMaxInFlight)
    throw InputError(e.source_file + ": key 'policy.in_flight': auto gives " + std::to_string(in_flight) +
                     " sequences in flight (" + std::to_string(e.policy.slots) + " slots x queue depth " +
                     std::to_string(in_flight / e.policy.slots) + "), beyond the register map's " +
                     std::to_string(kMaxInFlight) + " slots (lower policy.slots or give in_flight a number)");
  return std::make_unique<CellularBatchingPolicy>(e.network, e.policy.slots, o);
}

const PolicySpec kSpec{"cellular",
                       2,
                       /*single_slot=*/false,
                       /*tunes_window=*/false,
                       {"in_flight", "scheduler", "slot_queue_depth"},
                       parse,
                       // compare/reproduce --variants all: every scheduler with B and with auto in flight.
                       {{"oldest_deepest-slots", {{"scheduler", "oldest_deepest"}, {"in_flight", "slots"}}},
                        {"oldest_deepest-auto", {{"scheduler", "oldest_deepest"}, {"in_flight", "auto"}}},
                        {"most_ready-slots", {{"scheduler", "most_ready"}, {"in_flight", "slots"}}},
                        {"most_ready-auto", {{"scheduler", "most_ready"}, {"in_flight", "auto"}}},
                        {"sticky-slots", {{"scheduler", "sticky"}, {"in_flight", "slots"}}},
                        {"sticky-auto", {{"scheduler", "sticky"}, {"in_flight", "auto"}}}},
                       // One command per cell: queued in a command ring (one doorbell and one
                       // interrupt per batch of cells, not one MMIO round trip per cell).
                       /*queues_commands=*/true};

const PolicyFactory kFactory{"cellular", 2, make};

const PolicyRegistrar kRegistrar{kSpec, kFactory};

}  // namespace
}  // namespace ebatch
