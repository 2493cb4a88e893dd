// `policy.kind: none`: one sequence at a time through the whole network (NoBatchingPolicy).
#include "runtime/policy.h"

namespace ebatch {
namespace {

const PolicySpec kSpec{"none",  0,  /*single_slot=*/true,     /*tunes_window=*/false, {},
                       nullptr, {}, /*queues_commands=*/false};

const PolicyFactory kFactory{"none", 0, [](const Experiment& e, int, const std::string&) {
                               return std::unique_ptr<BatchingPolicy>(std::make_unique<NoBatchingPolicy>(e.network));
                             }};

const PolicyRegistrar kRegistrar{kSpec, kFactory};

}  // namespace
}  // namespace ebatch
