// `policy.kind: padded`: static batches padded to their longest sequence (PaddedBatchingPolicy).
#include "common/config_reader.h"
#include "runtime/policy.h"

namespace ebatch {
namespace {

const PolicySpec kSpec{
    "padded",
    1,
    /*single_slot=*/false,
    /*tunes_window=*/false,
    {"batch_timeout"},
    [](const ConfigSection& s, PolicyConfig& p) { p.batch_timeout_s = s.time("batch_timeout", "10 ms"); }};

const PolicyFactory kFactory{"padded", 1, [](const Experiment& e, int, const std::string&) {
                               return std::unique_ptr<BatchingPolicy>(std::make_unique<PaddedBatchingPolicy>(
                                   e.network, e.policy.slots, e.policy.batch_timeout_s));
                             }};

const PolicyRegistrar kRegistrar{kSpec, kFactory};

}  // namespace
}  // namespace ebatch
