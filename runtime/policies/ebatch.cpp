// `policy.kind: ebatch`: E-BATCH's slot queues and windows of N steps (EbatchPolicy), and
// its options: window_steps (or auto: the window tuner), refill, slot_queue_depth,
// bidirectional, tuner.
#include "common/config_reader.h"
#include "runtime/policy.h"

namespace ebatch {
namespace {

void parse(const ConfigSection& s, PolicyConfig& p) {
  const std::string n = s.has("window_steps") ? s.node()["window_steps"].Scalar() : "auto";
  p.window_steps = n == "auto" ? (s.string("window_steps", "auto"), 0) : int(s.integer("window_steps", 1, 1'000'000));
  p.refill = s.choice("refill", refill_modes(), Refill::window_boundary);
  const std::string depth = s.has("slot_queue_depth") ? s.node()["slot_queue_depth"].Scalar() : "auto";
  p.queue_depth =
      depth == "auto" ? (s.string("slot_queue_depth", "auto"), 0) : int(s.integer("slot_queue_depth", 1, 64));
  p.bidirectional = s.choice("bidirectional", bidirectional_modes(), BidirectionalMode::whole_sequence);
  YAML::Node self = s.node();
  if (!s.has("tuner")) self["tuner"] = YAML::Node(YAML::NodeType::Map);
  const ConfigSection t = s.section("tuner");
  p.tuner.objective = t.choice("objective", tuner_objectives(), TunerObjective::knee);
  p.tuner.latency_target_s = t.time("latency_target", "0 s");
  if (!t.has("candidates")) {
    YAML::Node c(YAML::NodeType::Sequence);
    for (int v : {1, 2, 4, 8, 16, 32, 64, 128}) c.push_back(v);
    YAML::Node tn = t.node();
    tn["candidates"] = c;
  }
  t.accept("candidates");
  const YAML::Node c = t.node()["candidates"];
  if (!c.IsSequence() || c.size() == 0) t.fail("candidates", "expected a non-empty list of window sizes");
  for (const auto& item : c) {
    long long v = 0;
    try {
      v = item.as<long long>();
    } catch (const YAML::Exception&) {
      t.fail("candidates", "'" + item.Scalar() + "' is not a whole number");
    }
    if (v < 1 || v > 1'000'000) t.fail("candidates", "window sizes must be in [1, 1000000]");
    p.tuner.candidates.push_back(int(v));
  }
  t.finish();
}

std::unique_ptr<BatchingPolicy> make(const Experiment& e, int window_steps, const std::string& reason) {
  const auto& p = e.policy;
  const int n = p.window_steps > 0 ? p.window_steps : window_steps;
  if (n <= 0) throw std::logic_error("make_policy: window_steps: auto needs the tuner's choice");
  return std::make_unique<EbatchPolicy>(e.network, p, n, p.window_steps > 0 ? "configured" : reason);
}

const PolicySpec kSpec{"ebatch",
                       3,
                       /*single_slot=*/false,
                       /*tunes_window=*/true,
                       {"window_steps", "refill", "slot_queue_depth", "bidirectional", "tuner"},
                       parse,
                       {},
                       /*queues_commands=*/false};

const PolicyFactory kFactory{"ebatch", 3, make};

const PolicyRegistrar kRegistrar{kSpec, kFactory};

}  // namespace
}  // namespace ebatch
