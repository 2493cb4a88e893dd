#include "tb/stats_schema.h"

#include <cctype>
#include <sstream>

namespace ebatch::stat {
namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  return parts;
}

bool is_pattern(const std::string& part) { return part.size() > 2 && part.front() == '<' && part.back() == '>'; }

bool matches(const std::string& pattern, const std::vector<std::string>& parts) {
  const std::vector<std::string> want = split(pattern);
  if (want.size() != parts.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "<i>") {
      if (parts[i].empty() || parts[i].find_first_not_of("0123456789") != std::string::npos) return false;
    } else if (!is_pattern(want[i]) && want[i] != parts[i]) {
      return false;
    }
  }
  return true;
}

// "energy_j.components.<component>.total" -> ENERGY_J_COMPONENTS_COMPONENT_TOTAL
std::string python_name(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '.') {
      out += '_';
    } else if (c != '<' && c != '>') {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string python_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

}  // namespace

const char* to_string(Type type) {
  static const char* const names[] = {"string", "integer", "number", "boolean", "object", "list"};
  return names[static_cast<int>(type)];
}

std::string Stat::name() const {
  const std::string p = path;
  const auto dot = p.rfind('.');
  return dot == std::string::npos ? p : p.substr(dot + 1);
}

const std::vector<const Stat*>& all() {
  static const std::vector<const Stat*> stats = {
      &kExperiment,
      &kPlatform,
      &kPolicy,
      &kNetwork,
      &kSeed,
      &kPolicyDescription,
      &kWindowSteps,
      &kTuner,
      &kTunerPoint,
      &kTunerWindow,
      &kTunerEnergyPerSequence,
      &kTunerP99Latency,
      &kTunerMeanLatency,
      &kTunerThroughput,
      &kComplete,
      &kError,
      &kInterruptedBy,
      &kRequestsSubmitted,
      &kRequestsCompleted,
      &kRequestsFailed,
      &kFailedRequests,
      &kFailedRequest,
      &kFailedId,
      &kFailedSlot,
      &kFailedReason,
      &kFailedTime,
      &kSimulatedTime,
      &kThroughput,
      &kLatency,
      &kLatencyMean,
      &kLatencyP50,
      &kLatencyP95,
      &kLatencyP99,
      &kLatencyMax,
      &kLatencyQuantileError,
      &kEnergy,
      &kEnergyTotal,
      &kEnergyDynamic,
      &kEnergyLeakage,
      &kEnergyPerSequence,
      &kComponents,
      &kComponent,
      &kComponentTotal,
      &kComponentDynamic,
      &kComponentLeakage,
      &kActions,
      &kAction,
      &kActionCount,
      &kActionEnergy,
      &kDram,
      &kDramBytesRead,
      &kDramBytesWritten,
      &kDramBytesPerSequence,
      &kDramBusyFraction,
      &kAccelerator,
      &kCommands,
      &kLayerPasses,
      &kInterrupts,
      &kComputeCycles,
      &kWeightLoadBytes,
      &kWeightStreamBytes,
      &kMacs,
      &kComputeUtilisation,
      &kOnChip,
      &kOnChipMemory,
      &kOnChipCapacity,
      &kOnChipPeak,
      &kOnChipPassesOver,
      &kOnChipSpill,
      &kOnChipHeldPeak,
      &kOnChipMean,
      &kStepSlots,
      &kStepSlotsUseful,
      &kStepSlotsPadding,
      &kStepSlotsComputed,
      &kPaddingFraction,
      &kFunctional,
      &kFunctionalPrecision,
      &kSequencesCompared,
      &kMismatches,
      &kMaxAbsError,
      &kMaxRelError,
      &kFirstMismatch,
      &kSequenceLayerSteps,
  };
  return stats;
}

const Stat* find(const std::string& path) {
  const std::vector<std::string> parts = split(path);
  for (const Stat* s : all())
    if (matches(s->path, parts)) return s;
  return nullptr;
}

YAML::Node at(const YAML::Node& stats, const Stat& stat) {
  YAML::Node cur = stats;
  for (const std::string& part : split(stat.path)) {
    if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node next = cur[part];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
  }
  return cur;
}

Summary read_summary(const std::string& stats_path) {
  const YAML::Node s = YAML::LoadFile(stats_path);
  Summary r;
  r.complete = at(s, kComplete).as<bool>();
  r.description = at(s, kPolicyDescription).as<std::string>();
  r.throughput = at(s, kThroughput).as<double>();
  r.mean = at(s, kLatencyMean).as<double>();
  r.p50 = at(s, kLatencyP50).as<double>();
  r.p99 = at(s, kLatencyP99).as<double>();
  r.energy_per_seq = at(s, kEnergyPerSequence).as<double>();
  r.padding = at(s, kPaddingFraction).as<double>();
  r.utilisation = at(s, kComputeUtilisation).as<double>();
  r.dram_per_seq = at(s, kDramBytesPerSequence).as<double>();
  r.sim_time = at(s, kSimulatedTime).as<double>();
  r.completed = at(s, kRequestsCompleted).as<long long>();
  const YAML::Node window = at(s, kWindowSteps);
  r.window = window ? window.as<long long>() : 0;
  return r;
}

std::string describe() {
  std::string out = "| key | type | unit | written | meaning |\n|---|---|---|---|---|\n";
  for (const Stat* s : all()) {
    out += std::string("| `") + s->path + "` | " + to_string(s->type) + " | " + (*s->unit ? s->unit : "-") + " | " +
           (*s->when ? s->when : "always") + " | " + s->description + " |\n";
  }
  return out;
}

std::string python_module() {
  std::string out =
      "# The keys of stats.json, generated from tb/stats_schema.h by\n"
      "#   ebatch run --describe-stats=python > tools/stats_keys.py\n"
      "# Do not edit: the StatsSchema.PythonModuleIsGenerated test compares the two.\n"
      "# Dotted paths; <i> is a list index, <component> / <action> an energy component / action name.\n\n\n"
      "def name(key):\n"
      "    \"\"\"The last part of a key: what stands in its JSON object.\"\"\"\n"
      "    return key.rsplit(\".\", 1)[-1]\n\n\n";
  for (const Stat* s : all()) out += python_name(s->path) + " = " + python_string(s->path) + "\n";
  out += "\nUNITS = {\n";
  for (const Stat* s : all()) out += "    " + python_string(s->path) + ": " + python_string(s->unit) + ",\n";
  out += "}\n\nDESCRIPTIONS = {\n";
  for (const Stat* s : all()) out += "    " + python_string(s->path) + ": " + python_string(s->description) + ",\n";
  return out + "}\n";
}

}  // namespace ebatch::stat
