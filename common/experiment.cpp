#include "common/experiment.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "common/config_reader.h"
#include "common/input_file.h"
#include "common/units.h"
#include "ebatch_version.h"

namespace ebatch {
namespace fs = std::filesystem;

const EnumTable<CellType>& cell_types() {
  static const EnumTable<CellType> t{{CellType::lstm, "lstm"}, {CellType::gru, "gru"}};
  return t;
}
const EnumTable<DirectionMerge>& direction_merges() {
  static const EnumTable<DirectionMerge> t{{DirectionMerge::concat, "concat"}, {DirectionMerge::sum, "sum"}};
  return t;
}
const EnumTable<OutputActivation>& output_activations() {
  static const EnumTable<OutputActivation> t{
      {OutputActivation::none, "none"}, {OutputActivation::softmax, "softmax"}, {OutputActivation::sigmoid, "sigmoid"}};
  return t;
}
const char* to_string(CellType cell) { return cell_types().name(cell); }
const char* to_string(DirectionMerge merge) { return direction_merges().name(merge); }
const char* to_string(OutputActivation activation) { return output_activations().name(activation); }

const EnumTable<TunerObjective>& tuner_objectives() {
  static const EnumTable<TunerObjective> t{{TunerObjective::knee, "knee"},
                                           {TunerObjective::min_energy_under_latency, "min_energy_under_latency"}};
  return t;
}
const EnumTable<Refill>& refill_modes() {
  static const EnumTable<Refill> t{{Refill::window_boundary, "window_boundary"}, {Refill::immediate, "immediate"}};
  return t;
}
const EnumTable<CommandMode>& command_modes() {
  static const EnumTable<CommandMode> t{{CommandMode::mmio, "mmio"}, {CommandMode::queue, "queue"}};
  return t;
}

const EnumTable<BidirectionalMode>& bidirectional_modes() {
  static const EnumTable<BidirectionalMode> t{{BidirectionalMode::whole_sequence, "whole_sequence"}};
  return t;
}
const EnumTable<TraceLevel>& trace_levels() {
  static const EnumTable<TraceLevel> t{
      {TraceLevel::off, "off"}, {TraceLevel::control, "control"}, {TraceLevel::full, "full"}};
  return t;
}
const EnumTable<ProgressMode>& progress_modes() {
  static const EnumTable<ProgressMode> t{
      {ProgressMode::automatic, "auto"}, {ProgressMode::on, "on"}, {ProgressMode::off, "off"}};
  return t;
}

std::string policy_names() { return join_names(PolicyRegistry::instance().names()); }

namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int32_t>::max();

// Keys whose value may be a path to a YAML file that is inlined in its place.
const char* const kIncludeKeys[] = {"hardware", "energy", "network", "workload.lengths"};

std::vector<std::string> split_path(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream ss(key);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  return parts;
}

// Finds the node at a dotted path (undefined node if absent). Never creates nodes.
YAML::Node find_node(const YAML::Node& root, const std::string& key) {
  YAML::Node cur;
  cur.reset(root);
  for (const auto& part : split_path(key)) {
    if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& c = cur;
    YAML::Node next = c[part];
    if (!next.IsDefined()) return next;
    cur.reset(next);
  }
  return cur;
}

void resolve_includes(const YAML::Node& root, ConfigOrigins& origins) {
  for (const char* key : kIncludeKeys) {
    YAML::Node value = find_node(root, key);
    if (!value.IsDefined() || !value.IsScalar()) continue;
    const auto [origin, is_file] = origins.lookup(key);
    fs::path path(value.Scalar());
    if (path.is_relative() && is_file) path = fs::path(origin).parent_path() / path;
    const std::string file = path.lexically_normal().string();
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      throw ConfigError(config_message(origins, key, value, "included file '" + file + "' not found"));
    }
    try {
      check_input_file(file, "YAML file", kMaxTextInputBytes);
    } catch (const InputError& e) {  // a FIFO, a device, a file too large: name the key
      throw ConfigError(config_message(origins, key, value, "included " + std::string(e.what())));
    }
    YAML::Node loaded = load_yaml_file(file);
    if (!loaded.IsMap()) throw ConfigError(file + ": expected a mapping of keys at the top level");
    // Replace the scalar in its parent mapping.
    const auto parts = split_path(key);
    std::string parent_key;
    for (size_t i = 0; i + 1 < parts.size(); ++i) parent_key += (i ? "." : "") + parts[i];
    YAML::Node parent = parent_key.empty() ? root : find_node(root, parent_key);
    parent[parts.back()] = loaded;
    origins.add(key, file, true);
  }
}

void apply_override(const YAML::Node& root, const Override& o, ConfigOrigins& origins) {
  const std::string where = "--set " + o.key + "=" + o.value;
  YAML::Node value;
  try {
    check_yaml_alias_budget(o.value, where);
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    throw ConfigError(where + ": malformed value: " + e.msg);
  }
  const auto parts = split_path(o.key);
  YAML::Node cur;
  cur.reset(root);
  std::string walked;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (i ? "." : "") + parts[i];
    YAML::Node next = cur[parts[i]];
    if (!next.IsDefined() || next.IsNull()) {
      cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = cur[parts[i]];
    } else if (!next.IsMap()) {
      throw ConfigError(where + ": key '" + walked + "' is a single value, not a section");
    }
    cur.reset(next);
  }
  cur[parts.back()] = value;
  origins.add(o.key, where, false);
}

const EnumTable<LengthDistribution::Kind>& length_distributions() {
  using K = LengthDistribution::Kind;
  static const EnumTable<K> t{{K::empirical, "empirical"},
                              {K::lognormal, "lognormal"},
                              {K::uniform, "uniform"},
                              {K::fixed, "fixed"},
                              {K::trace, "trace"}};
  return t;
}

const EnumTable<ArrivalProcess::Kind>& arrival_processes() {
  using K = ArrivalProcess::Kind;
  static const EnumTable<K> t{{K::all_at_zero, "all_at_zero"}, {K::poisson, "poisson"}, {K::trace, "trace"}};
  return t;
}

const EnumTable<SpillMode>& spill_modes() {
  static const EnumTable<SpillMode> t{
      {SpillMode::ignore, "ignore"}, {SpillMode::dram, "dram"}, {SpillMode::reject, "reject"}};
  return t;
}

const EnumTable<ControlKind>& control_kinds() {
  static const EnumTable<ControlKind> t{{ControlKind::tlm, "tlm"}, {ControlKind::rtl, "rtl"}};
  return t;
}

HardwareConfig parse_hardware(const ConfigSection& s) {
  HardwareConfig hw;
  const auto& platforms = PlatformRegistry::instance();
  hw.platform = &platforms.get(s.choice("platform", platforms.names()));
  hw.name = s.string("name", to_string(hw.platform));
  s.string("source", "");
  hw.frequency_hz = s.frequency("frequency");
  if (hw.frequency_hz < 1e3 || hw.frequency_hz > 1e11) s.fail("frequency", "must be between 1 kHz and 100 GHz");
  const auto& allowed = hw.platform->precisions;
  hw.precision = *precisions().find(s.choice("precision", allowed, allowed.front()));
  hw.platform_config.reset(hw.platform->parse(s));
  hw.spill = s.choice("spill", spill_modes(), SpillMode::dram);
  hw.control = s.choice("control", control_kinds(), ControlKind::tlm);
  if (hw.control == ControlKind::rtl && !kHaveRtl)
    s.fail("control",
           "'rtl' needs the RTL co-simulation, and this ebatch was built without Verilator "
           "(configure with -DEBATCH_RTL=ON after installing verilator)");
  const ConfigSection dram = s.section("dram");
  hw.dram.technology = dram.string("technology", "");
  hw.dram.bandwidth_bytes_per_s = dram.bandwidth("bandwidth");
  if (!(hw.dram.bandwidth_bytes_per_s >= 1)) dram.fail("bandwidth", "must be at least 1 B/s");
  hw.dram.latency_s = dram.time("latency", "0 ns");
  hw.dram.burst_bytes = dram.size("burst", "64 B");
  if (hw.dram.burst_bytes == 0) dram.fail("burst", "must be at least 1 B");
  hw.dram.capacity_bytes = dram.size("capacity", "8 GiB");
  dram.finish();
  s.finish();
  return hw;
}

EnergyTable parse_energy(const ConfigSection& s, Platform platform) {
  EnergyTable table;
  table.name = s.string("name", "energy");
  table.technology = s.string("technology", "");
  s.string("source", "");
  const ConfigSection comps = s.section("components");
  for (const auto& entry : energy_vocabulary(platform)) {
    if (!comps.has(entry.component))
      comps.fail(entry.component, std::string("missing: the ") + to_string(platform) + " model needs this component (" +
                                      entry.meaning + ")");
    const ConfigSection c = comps.section(entry.component);
    EnergyComponent comp;
    for (const auto& action : entry.actions) {
      if (!c.has(action)) c.fail(action, "missing energy per action (e.g. '1.5 pJ')");
      comp.action_j[action] = c.energy(action);
    }
    comp.leakage_w = c.power("leakage", "0 W");
    comp.leakage_w_per_mib = c.power("leakage_per_MiB", "0 W");
    c.finish();
    table.components[entry.component] = comp;
  }
  comps.finish();
  s.finish();
  return table;
}

NetworkSpec parse_network(const ConfigSection& s) {
  NetworkSpec n;
  n.name = s.string("name");
  n.source = s.string("source", "");
  n.cell = s.choice("cell", cell_types());
  n.input_size = int(s.integer("input_size", 1, 1 << 20));
  n.hidden_size = int(s.integer("hidden_size", 1, 1 << 20));
  n.num_layers = int(s.integer("layers", 1, 64));
  n.bidirectional = s.boolean("bidirectional", false);
  n.merge = s.choice("merge", direction_merges(), DirectionMerge::concat);
  n.steps_per_second = s.number("steps_per_second", 0, 1e6, 0);
  if (s.has("autoregressive") || s.has("encoder_layers")) {  // written back only when given
    n.autoregressive = s.boolean("autoregressive", false);
    n.encoder_layers = int(s.integer("encoder_layers", 0, 63, 0));
    if (n.encoder_layers > 0 && !n.autoregressive)
      s.fail("encoder_layers", "needs autoregressive: true (the layers above the encoder are its decoder)");
    if (n.autoregressive && n.bidirectional)
      s.fail("bidirectional", "an autoregressive network runs step by step: it cannot be bidirectional");
    if (n.encoder_layers > 0 && 2 * n.encoder_layers != n.num_layers)
      s.fail("encoder_layers", "decoder layer i starts from encoder layer i's final state: layers must be 2 x " +
                                   std::to_string(n.encoder_layers) + ", got " + std::to_string(n.num_layers));
  }
  if (auto out = s.optional_section("output")) {
    n.output.size = int(out->integer("size", 0, 1 << 22));
    n.output.activation = out->choice("activation", output_activations(), OutputActivation::none);
    out->finish();
  }
  if (auto emb = s.optional_section("embedding")) {
    EmbeddingSpec& e = n.embedding;
    e.vocabulary = int(emb->integer("vocabulary", 2, 1 << 22));
    e.size = int(emb->integer("size", 1, 1 << 20));
    if (e.size != n.input_size)
      emb->fail("size", std::to_string(e.size) + " differs from input_size " + std::to_string(n.input_size) +
                            " (the embedding is the first layer's input)");
    e.bos_token = int(emb->integer("bos_token", 0, e.vocabulary - 1, 0));
    e.eos_token = int(emb->integer("eos_token", 0, e.vocabulary - 1, 1));
    emb->finish();
  }
  s.finish();
  return n;
}

LengthDistribution parse_lengths(const ConfigSection& s, const NetworkSpec& net) {
  LengthDistribution d;
  d.kind = s.choice("distribution", length_distributions());
  d.source = s.string("name", length_distributions().name(d.kind));
  s.string("source", "");
  if (d.kind == LengthDistribution::Kind::trace) {
    s.finish();
    return d;
  }
  const std::string unit = s.choice("unit", {"steps", "seconds"}, "steps");
  if (unit == "seconds") {
    if (!s.has("steps_per_second") && net.steps_per_second <= 0)
      s.fail("unit", "lengths are in seconds but network '" + net.name +
                         "' gives no steps_per_second; set workload.lengths.steps_per_second");
    d.steps_per_unit = s.number("steps_per_second", 1e-6, 1e9, net.steps_per_second);
  }
  switch (d.kind) {
    case LengthDistribution::Kind::empirical: {
      s.accept("quantiles");
      const YAML::Node q = s.node()["quantiles"];
      if (!q.IsDefined() || !q.IsSequence() || q.size() < 2)
        s.fail("quantiles", "expected a list of at least two [probability, value] pairs");
      for (size_t i = 0; i < q.size(); ++i) {
        const std::string at = "entry " + std::to_string(i + 1) + ": ";
        if (!q[i].IsSequence() || q[i].size() != 2) s.fail("quantiles", at + "expected [probability, value]");
        double p = 0, v = 0;
        try {
          p = q[i][0].as<double>();
          v = q[i][1].as<double>();
        } catch (const YAML::Exception&) {
          s.fail("quantiles", at + "expected two numbers");
        }
        if (!std::isfinite(p) || !std::isfinite(v) || v < 0) s.fail("quantiles", at + "values must be finite and >= 0");
        if (!d.quantiles.empty() && p <= d.quantiles.back().first)
          s.fail("quantiles", at + "probabilities must increase strictly");
        if (!d.quantiles.empty() && v < d.quantiles.back().second) s.fail("quantiles", at + "values must not decrease");
        d.quantiles.emplace_back(p, v);
      }
      if (d.quantiles.front().first != 0.0 || d.quantiles.back().first != 1.0)
        s.fail("quantiles", "the first probability must be 0 (the minimum) and the last 1 (the maximum)");
      d.table_mean = s.number("mean", 0, 1e12, 0);
      break;
    }
    case LengthDistribution::Kind::lognormal: {
      const double median = s.number("median", 1e-9, 1e12);
      if (s.has("mean") == s.has("sigma"))
        s.fail_section("lognormal needs 'median' and exactly one of 'mean' or 'sigma'");
      d.mu = std::log(median);
      if (s.has("mean")) {
        const double mean = s.number("mean", 1e-9, 1e12);
        if (mean <= median) s.fail("mean", "must exceed the median for a lognormal");
        d.sigma = std::sqrt(2.0 * std::log(mean / median));
        d.table_mean = mean;
      } else {
        s.accept("mean");
        d.sigma = s.number("sigma", 0, 10);
      }
      d.min = s.number("min", 0, 1e12, 0);
      d.max = s.number("max", 0, 1e12);
      if (d.max < d.min) s.fail("max", "must not be below min");
      break;
    }
    case LengthDistribution::Kind::uniform:
      d.min = s.number("min", 0, 1e12);
      d.max = s.number("max", 0, 1e12);
      if (d.max < d.min) s.fail("max", "must not be below min");
      break;
    case LengthDistribution::Kind::fixed:
      d.value = s.number("value", 1e-9, 1e12);
      break;
    case LengthDistribution::Kind::trace:
      break;
  }
  // The longest length the distribution can give, in steps, must be a length the simulator takes.
  const bool empirical = d.kind == LengthDistribution::Kind::empirical;
  const bool fixed = d.kind == LengthDistribution::Kind::fixed;
  const double longest = empirical ? d.quantiles.back().second : fixed ? d.value : d.max;
  if (!(longest * d.steps_per_unit <= double(kMaxRequestLength))) {
    std::ostringstream os;
    os << "a length of " << longest << " x " << d.steps_per_unit << " steps per unit exceeds the maximum of "
       << kMaxRequestLength << " steps";
    s.fail(empirical ? "quantiles" : fixed ? "value" : "max", os.str());
  }
  s.finish();
  return d;
}

WorkloadSpec parse_workload(const ConfigSection& s, const NetworkSpec& net, std::uint64_t seed) {
  WorkloadSpec w;
  w.seed = std::uint64_t(s.integer("seed", 0, std::numeric_limits<std::int64_t>::max(), std::int64_t(seed)));
  w.lengths = parse_lengths(s.section("lengths"), net);
  if (auto a = s.optional_section("arrivals")) {
    w.arrivals.kind = a->choice("process", arrival_processes(), ArrivalProcess::Kind::all_at_zero);
    if (w.arrivals.kind == ArrivalProcess::Kind::poisson) {
      w.arrivals.rate_per_s = a->rate("rate");
      if (w.arrivals.rate_per_s <= 0) a->fail("rate", "must be positive");
    }
    a->finish();
  } else {
    YAML::Node arrivals(YAML::NodeType::Map);
    arrivals["process"] = "all_at_zero";
    YAML::Node self = s.node();
    self["arrivals"] = arrivals;
  }
  if (net.autoregressive) {
    if (!s.has("decoding")) s.node()["decoding"] = YAML::Node(YAML::NodeType::Map);
    const ConfigSection d = s.section("decoding");
    w.decoding.max_length = d.integer("max_length", 1, 1 << 20, 200);
    if (net.encoder_decoder()) {
      w.decoding.max_factor = d.number("max_factor", 0, 100, 2.0);
      w.decoding.max_offset = d.integer("max_offset", 0, 1 << 20, 10);
      w.decoding.ratio_median = d.number("target_ratio_median", 1e-3, 1e3, 1.0);
      w.decoding.ratio_sigma = d.number("target_ratio_sigma", 0, 10, 0.2);
      if (w.decoding.max_factor == 0 && w.decoding.max_offset == 0)
        d.fail("max_offset", "max_factor and max_offset are both 0: the decoder could produce no step");
    }
    d.finish();
  } else if (s.has("decoding")) {
    s.fail("decoding", "only for autoregressive networks (network.autoregressive: true)");
  }
  const bool uses_trace =
      w.lengths.kind == LengthDistribution::Kind::trace || w.arrivals.kind == ArrivalProcess::Kind::trace;
  if (uses_trace) {
    if (!s.has("trace")) s.fail("trace", "missing: lengths or arrivals come from a trace, so give its CSV path");
    w.trace_path = s.existing_file("trace");
    w.requests = s.integer("requests", 0, 1'000'000'000, 0);
  } else {
    if (s.has("trace")) s.fail("trace", "given, but neither lengths nor arrivals use the trace");
    w.requests = s.integer("requests", 1, 1'000'000'000);
  }
  if (w.arrivals.kind == ArrivalProcess::Kind::poisson &&
      double(w.requests) / w.arrivals.rate_per_s > units::kMaxSimulatedSeconds) {
    std::ostringstream os;
    os << w.requests << " requests at " << w.arrivals.rate_per_s << "/s arrive over about "
       << units::format_time(double(w.requests) / w.arrivals.rate_per_s) << ", beyond the longest simulated time, "
       << units::format_time(units::kMaxSimulatedSeconds);
    s.section("arrivals").fail("rate", os.str());
  }
  s.finish();
  return w;
}

PolicyConfig parse_policy(const ConfigSection& s) {
  PolicyConfig p;
  const auto& policies = PolicyRegistry::instance();
  p.kind = &policies.get(s.choice("kind", policies.names()));
  const std::string& kind = p.kind->name;
  if (p.kind->single_slot) {
    if (s.has("slots") && s.integer("slots", 0, 1 << 20) != 1)
      s.fail("slots", "policy '" + kind + "' runs one sequence at a time: slots must be 1");
    p.slots = int(s.integer("slots", 1, 1, 1));
  } else {
    constexpr std::int64_t kMaxSlots = 256;  // hw/contract/register_map.h: 256 slot-mask bits
    p.slots = int(s.integer("slots", 1, 1 << 20));
    if (p.slots > kMaxSlots)
      s.fail("slots", std::to_string(p.slots) + " slots: the accelerator's register map addresses at most " +
                          std::to_string(kMaxSlots));
  }
  p.host_reaction_latency_s = s.time("host_reaction_latency", "1 us");
  p.command_mode =
      s.choice("command_mode", command_modes(), p.kind->queues_commands ? CommandMode::queue : CommandMode::mmio);
  p.command_queue_entries = int(s.integer("command_queue_entries", 1, 4096, 64));
  // Keys that only other policies read.
  const auto& mine = p.kind->own_keys;
  for (const PolicySpec* other : policies.all())
    for (const auto& key : other->own_keys)
      if (other != p.kind && s.has(key) && std::find(mine.begin(), mine.end(), key) == mine.end())
        s.fail(key, "only used by policy '" + other->name + "', not '" + kind + "' (remove it, or --set " +
                        s.key_path(key) + "=~)");
  if (p.kind->parse) p.kind->parse(s, p);
  s.finish();
  return p;
}

SimulationConfig parse_simulation(const ConfigSection& s) {
  SimulationConfig sim;
  sim.functional = s.boolean("functional", false);
  sim.quantum_s = s.time("quantum", "1 us");
  if (sim.quantum_s <= 0) s.fail("quantum", "must be positive");
  sim.waveform_accurate = s.boolean("waveform_accurate", false);
  sim.lazy_sync = s.boolean("lazy_sync", true);
  sim.weights_path = s.optional_existing_file("weights").value_or("");
  sim.inputs_path = s.optional_existing_file("inputs").value_or("");
  sim.check_golden = s.boolean("check_golden", true);
  if (const auto f = s.optional_section("faults")) {
    auto ids = [&](const char* key, std::vector<std::int64_t>& out) {
      if (!f->has(key)) return;
      f->accept(key);
      const YAML::Node list = f->node()[key];
      if (!list.IsSequence()) f->fail(key, "expected a list of request ids, e.g. [3, 17]");
      for (const auto& item : list) {
        long long v = -1;
        try {
          v = item.as<long long>();
        } catch (const YAML::Exception&) {
          f->fail(key, "'" + (item.IsScalar() ? item.Scalar() : std::string("?")) + "' is not a request id");
        }
        if (v < 0) f->fail(key, "request ids are not negative");
        out.push_back(v);
      }
    };
    ids("dram_error", sim.fault_dram_error);
    ids("bad_address", sim.fault_bad_address);
    f->finish();
  }
  s.finish();
  return sim;
}

OutputConfig parse_output(const ConfigSection& s, const std::string& name) {
  OutputConfig out;
  out.dir = s.string("dir", "results/" + name);
  out.trace = s.choice("trace", trace_levels(), TraceLevel::off);
  out.timeline = s.boolean("timeline", false);
  out.trace_from_s = s.time("trace_from", "0 s");
  out.trace_to_s = s.time("trace_to", "0 s");
  if (out.trace_to_s != 0 && out.trace_to_s <= out.trace_from_s)
    s.fail("trace_to", "must be after trace_from (or 0 for the end of the run)");
  out.requests_csv = s.boolean("requests_csv", true);
  out.progress = s.choice("progress", progress_modes(), ProgressMode::automatic);
  s.finish();
  return out;
}

ConfigSection ensure_section(const ConfigSection& top, const std::string& key) {
  if (!top.has(key)) {
    YAML::Node self = top.node();
    self[key] = YAML::Node(YAML::NodeType::Map);
  }
  return top.section(key);
}

// Checks that need several sections at once: the network must fit the platform, its weights
// must be readable within the simulated time range, and the run must fit in memory.
void cross_check(const Experiment& e, const ConfigSection& top) {
  if (e.hardware.platform->check) e.hardware.platform->check(e.hardware, e.network, top.section("hardware"));
  // Functional greedy decoding feeds back the argmax token's embedding: both tables must exist.
  if (e.simulation.functional && e.network.autoregressive &&
      (e.network.embedding.vocabulary < 1 || e.network.output.size != e.network.embedding.vocabulary))
    top.section("simulation")
        .fail("functional", "network '" + e.network.name +
                                "' is autoregressive: greedy decoding needs network.embedding and an output layer "
                                "of the vocabulary's size (network.output.size = embedding.vocabulary)");
  const double weight_bytes = double(e.network.total_parameters()) * bytes_per_value(e.hardware.precision);
  const double read_s = weight_bytes / e.hardware.dram.bandwidth_bytes_per_s + e.hardware.dram.latency_s;
  if (read_s > units::kMaxSimulatedSeconds / 1e3)
    top.section("hardware")
        .section("dram")
        .fail("bandwidth", units::format_bandwidth(e.hardware.dram.bandwidth_bytes_per_s) + " needs " +
                               units::format_time(read_s) + " to read the weights once (" +
                               units::format_size(weight_bytes) +
                               "), beyond a thousandth of the longest simulated time, " +
                               units::format_time(units::kMaxSimulatedSeconds));
  const RunMemoryEstimate m = estimate_run_memory(e);
  if (m.total() > kMaxRunMemoryBytes) {
    const bool weights = m.weight_bytes > m.request_bytes;
    const std::string reason = "the run would need about " + units::format_size(m.total()) + " of memory (" +
                               units::format_size(m.request_bytes) + " for the requests, " +
                               units::format_size(m.weight_bytes) +
                               " for functional weights), more than the limit of " +
                               units::format_size(kMaxRunMemoryBytes) + " (docs/RELIABILITY.md)";
    if (weights) top.section("network").fail("hidden_size", reason);
    top.section("workload").fail("requests", reason);
  }
}

Experiment parse_experiment(const YAML::Node& root, const std::shared_ptr<ConfigOrigins>& origins,
                            const std::string& source, const std::vector<Override>& overrides) {
  if (!root.IsMap()) throw ConfigError(source + ": expected a mapping of keys at the top level");
  resolve_includes(root, *origins);
  for (const auto& o : overrides) {
    apply_override(root, o, *origins);
    resolve_includes(root, *origins);
  }
  Experiment e;
  e.source_file = source;
  const ConfigSection top(root, "", origins);
  e.name = top.string("name", fs::path(source).stem().string());
  e.seed = std::uint64_t(top.integer("seed", 0, std::numeric_limits<std::int64_t>::max(), 1));
  top.string("description", "");
  e.hardware = parse_hardware(top.section("hardware"));
  e.energy = parse_energy(top.section("energy"), e.hardware.platform);
  e.network = parse_network(top.section("network"));
  e.workload = parse_workload(top.section("workload"), e.network, e.seed);
  e.policy = parse_policy(top.section("policy"));
  e.simulation = parse_simulation(ensure_section(top, "simulation"));
  e.output = parse_output(ensure_section(top, "output"), e.name);
  top.finish();
  cross_check(e, top);
  e.resolved = root;
  return e;
}

}  // namespace

RunMemoryEstimate estimate_run_memory(const Experiment& e) {
  RunMemoryEstimate m;
  m.request_bytes = double(kRunBytesPerRequest) * double(e.workload.requests);
  if (e.simulation.functional) m.weight_bytes = 3.0 * 4.0 * double(e.network.total_parameters());
  return m;
}

Override parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw InputError("--set " + text + ": expected dotted.key=value");
  Override o{text.substr(0, eq), text.substr(eq + 1)};
  for (const auto& part : split_path(o.key))
    if (part.empty()) throw InputError("--set " + text + ": empty part in key '" + o.key + "'");
  if (o.key.back() == '.') throw InputError("--set " + text + ": key ends with '.'");
  return o;
}

HardwareConfig load_hardware_config(const std::string& path, const std::vector<Override>& overrides) {
  auto origins = std::make_shared<ConfigOrigins>();
  origins->add("", path, true);
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw ConfigError(path + ": expected a mapping of keys at the top level");
  for (const auto& o : overrides) apply_override(root, o, *origins);
  return parse_hardware(ConfigSection(root, "", origins));
}

EnergyTable load_energy_table(const std::string& path, Platform platform) {
  auto origins = std::make_shared<ConfigOrigins>();
  origins->add("", path, true);
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw ConfigError(path + ": expected a mapping of keys at the top level");
  return parse_energy(ConfigSection(root, "", origins), platform);
}

Experiment load_experiment(const std::string& path, const std::vector<Override>& overrides) {
  auto origins = std::make_shared<ConfigOrigins>();
  origins->add("", path, true);
  YAML::Node root = load_yaml_file(path);
  return parse_experiment(root, origins, path, overrides);
}

Experiment load_experiment_text(const std::string& yaml_text, const std::string& name_for_messages,
                                const std::vector<Override>& overrides) {
  auto origins = std::make_shared<ConfigOrigins>();
  origins->add("", name_for_messages, true);
  YAML::Node root = parse_yaml_text(yaml_text, name_for_messages);
  return parse_experiment(root, origins, name_for_messages, overrides);
}

std::string emit_resolved(const Experiment& e) { return emit_resolved(e, e.resolved); }

std::string emit_resolved(const Experiment& e, const YAML::Node& tree) {
  YAML::Emitter out;
  out << tree;
  return "# Resolved by ebatch " EBATCH_VERSION " from " + e.source_file +
         ": every include inlined, every default written.\n# Rerun with: ebatch run resolved.yaml\n" + out.c_str() +
         "\n";
}

}  // namespace ebatch
