// `policy.kind: padded`: static batches padded to their longest sequence (PaddedBatchingPolicy),
// with options batch_timeout, order (arrival | length), sort_window and decoder_padding
// (until_all_end | to_max: how a batch of decoded sequences, whose lengths the host does not
// know, is padded).
#include "common/config_reader.h"
#include "common/enum_table.h"
#include "runtime/policy.h"

namespace ebatch {
namespace {

const EnumTable<PaddedOrder>& orders() {
  static const EnumTable<PaddedOrder> t{{PaddedOrder::arrival, "arrival"}, {PaddedOrder::length, "length"}};
  return t;
}

const EnumTable<DecoderPadding>& decoder_paddings() {
  static const EnumTable<DecoderPadding> t{{DecoderPadding::until_all_end, "until_all_end"},
                                           {DecoderPadding::to_max, "to_max"}};
  return t;
}

void parse(const ConfigSection& s, PolicyConfig& p) {
  p.batch_timeout_s = s.time("batch_timeout", "10 ms");
  auto& o = p.options.get<PaddedOptions>();
  o.order = s.choice("order", orders(), PaddedOrder::length);
  o.sort_window = int(s.integer("sort_window", 0, 1'000'000, 0));
  o.decoder_padding = s.choice("decoder_padding", decoder_paddings(), DecoderPadding::until_all_end);
}

// compare/reproduce --variants all: each order, sorting among every waiting request.
const PolicySpec kSpec{"padded",
                       1,
                       /*single_slot=*/false,
                       /*tunes_window=*/false,
                       {"batch_timeout", "order", "sort_window", "decoder_padding"},
                       parse,
                       {{"arrival", {{"order", "arrival"}, {"sort_window", "0"}}},
                        {"length", {{"order", "length"}, {"sort_window", "0"}}}},
                       /*queues_commands=*/false};

const PolicyFactory kFactory{"padded", 1, [](const Experiment& e, int, const std::string&) {
                               return std::unique_ptr<BatchingPolicy>(std::make_unique<PaddedBatchingPolicy>(
                                   e.network, e.policy.slots, e.policy.batch_timeout_s,
                                   e.policy.options.empty() ? PaddedOptions{} : e.policy.options.get<PaddedOptions>()));
                             }};

const PolicyRegistrar kRegistrar{kSpec, kFactory};

}  // namespace
}  // namespace ebatch
