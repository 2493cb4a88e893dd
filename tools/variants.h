// The baseline variants that `compare --variants all` and `reproduce --variants all` run:
// each registered policy's table of variants (PolicySpec::variants, beside its parser in
// runtime/policies/<name>.cpp), expanded into runs, and which run of a policy is the
// strongest (the highest throughput; ties: the lower energy per sequence).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

namespace ebatch::cli {

struct VariantRun {
  std::string policy;   // the registered policy
  std::string variant;  // its variant's name; "" = the policy as configured
  std::vector<std::pair<std::string, std::string>> keys;
  // "cellular:sticky-auto", or "cellular" without a variant.
  std::string label() const { return variant.empty() ? policy : policy + ":" + variant; }
  // A folder name: "cellular-sticky-auto", or "cellular".
  std::string folder() const { return variant.empty() ? policy : policy + "-" + variant; }
};

// `--variants VALUE` of `command`: true for "all", false for "none"; InputError otherwise.
bool parse_variants_option(const std::string& value, const std::string& command);

// One run per policy (all = false), or one per variant of each policy that has variants.
std::vector<VariantRun> expand_variants(const std::vector<std::string>& policies, bool all);

// The policy section `section` (a YAML map) with the variant's keys set. A cellular variant
// with in_flight: auto takes E-BATCH's slot queue depth from `ebatch_policy` when that is a
// number (the same number of sequences in flight as E-BATCH holds).
YAML::Node with_variant(YAML::Node section, const VariantRun& run, const YAML::Node& ebatch_policy);
std::string flow(const YAML::Node& node);

// Whether a run with (throughput, energy per sequence) beats another.
inline bool stronger(double throughput, double energy, double other_throughput, double other_energy) {
  return throughput != other_throughput ? throughput > other_throughput : energy < other_energy;
}

}  // namespace ebatch::cli
