#include "tools/variants.h"

#include <algorithm>

#include "common/errors.h"
#include "common/policy_spec.h"

namespace ebatch::cli {

bool parse_variants_option(const std::string& value, const std::string& command) {
  if (value == "all") return true;
  if (value == "none") return false;
  throw InputError("ebatch " + command + ": --variants: '" + value +
                   "' is not a choice (all: every variant of each baseline; none: each policy as configured)");
}

std::vector<VariantRun> expand_variants(const std::vector<std::string>& policies, bool all) {
  std::vector<VariantRun> out;
  for (const auto& p : policies) {
    const auto& variants = policy_named(p)->variants;
    if (!all || variants.empty()) {
      out.push_back({p, "", {}});
      continue;
    }
    for (const auto& v : variants) out.push_back({p, v.name, v.keys});
  }
  return out;
}

YAML::Node with_variant(YAML::Node section, const VariantRun& run, const YAML::Node& ebatch_policy) {
  for (const auto& [key, value] : run.keys) section[key] = value;
  const bool auto_in_flight = std::any_of(
      run.keys.begin(), run.keys.end(), [](const auto& kv) { return kv.first == "in_flight" && kv.second == "auto"; });
  if (auto_in_flight && ebatch_policy && ebatch_policy["slot_queue_depth"] &&
      ebatch_policy["slot_queue_depth"].Scalar() != "auto" && !section["slot_queue_depth"])
    section["slot_queue_depth"] = ebatch_policy["slot_queue_depth"].Scalar();
  return section;
}

std::string flow(const YAML::Node& node) {
  YAML::Emitter e;
  e << YAML::Flow << node;
  return e.c_str();
}

}  // namespace ebatch::cli
