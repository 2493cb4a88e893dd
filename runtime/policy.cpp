#include "runtime/policy.h"

#include "common/errors.h"

namespace ebatch {

std::vector<Placement> NoBatchingPolicy::place(const RuntimeView& view) {
  if (view.queued[0] == 0 && !view.waiting->empty()) return {{0, 0, view.waiting->front().length}};
  return {};
}

std::optional<AcceleratorCommand> NoBatchingPolicy::next_command(const RuntimeView& view) {
  if (view.queued[0] == 0) return std::nullopt;
  return AcceleratorCommand{{1}, 0, 0, layers_ - 1};
}

std::unique_ptr<BatchingPolicy> make_policy(const Experiment& experiment) {
  switch (experiment.policy.kind) {
    case PolicyConfig::Kind::none: return std::make_unique<NoBatchingPolicy>(experiment.network);
    default:
      throw InputError(experiment.source_file + ": key 'policy.kind': policy '" +
                       to_string(experiment.policy.kind) + "' is not available in this version");
  }
}

}  // namespace ebatch
