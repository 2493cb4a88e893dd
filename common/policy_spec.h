// The batching policies, as a registry.
//
// A policy registers a PolicySpec (its name, the keys of the policy section only it
// reads, how it parses and checks them) together with its factory
// (runtime/policy.h: PolicyRegistrar), from one file: runtime/policies/<name>.cpp.
// The loader parses `policy.kind` once into a PolicyKind (a pointer to the
// registered spec); tools list the registered names (compare --policies,
// reproduce's checks, error messages).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/registry.h"

namespace ebatch {

class ConfigSection;
struct PolicyConfig;

// One configuration of a policy that `compare --variants all` and `reproduce --variants all`
// run: its name (a folder-name fragment) and the policy keys it sets, as YAML scalars.
struct PolicyVariant {
  std::string name;
  std::vector<std::pair<std::string, std::string>> keys;
};

struct PolicySpec {
  std::string name;           // the value of policy.kind
  int order = 0;              // position in listings
  bool single_slot = false;   // runs one sequence at a time: policy.slots must be 1
  bool tunes_window = false;  // policy.window_steps: auto is resolved by the window tuner
  // Keys of the policy section that only this policy reads (others reject them).
  std::vector<std::string> own_keys;
  // Reads the own keys (after kind, slots and host_reaction_latency); may be empty.
  std::function<void(const ConfigSection& policy, PolicyConfig& config)> parse;
  // The variants `--variants all` runs (empty: the policy as configured, once).
  std::vector<PolicyVariant> variants;
  // policy.command_mode when the key is absent: true queue (a command ring), false mmio.
  bool queues_commands = false;
};

using PolicyKind = const PolicySpec*;
using PolicyRegistry = Registry<PolicySpec>;

inline const char* to_string(PolicyKind k) { return k ? k->name.c_str() : "?"; }
// The registered policy called `name`; throws std::logic_error if there is none.
inline PolicyKind policy_named(const std::string& name) { return &PolicyRegistry::instance().get(name); }
// "none, padded, cellular, ebatch": every registered policy, in order.
std::string policy_names();

}  // namespace ebatch
