// `policy.kind: cellular`: cellular batching, BatchMaker-style (CellularBatchingPolicy).
#include "runtime/policy.h"

namespace ebatch {
namespace {

const PolicySpec kSpec{"cellular", 2, /*single_slot=*/false, /*tunes_window=*/false, {}, nullptr};

const PolicyFactory kFactory{
    "cellular", 2, [](const Experiment& e, int, const std::string&) {
      return std::unique_ptr<BatchingPolicy>(std::make_unique<CellularBatchingPolicy>(e.network, e.policy.slots));
    }};

const PolicyRegistrar kRegistrar{kSpec, kFactory};

}  // namespace
}  // namespace ebatch
