#include "hw/functional_engine.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hw/half.h"

namespace ebatch {

FunctionalEngine::FunctionalEngine(const RnnWeights& weights, Precision precision, int slots, DramRead read,
                                   DramWrite write)
    : spec_(weights.spec), precision_(precision), slots_(slots), read_(std::move(read)), write_(std::move(write)) {
  for (int l = 0; l < spec_.num_layers; ++l) {
    layers_.emplace_back();
    states_.emplace_back();
    for (int d = 0; d < spec_.directions(); ++d) {
      layers_.back().emplace_back(spec_, weights.layers[std::size_t(l)][std::size_t(d)], l, precision);
      states_.back().push_back(layers_.back().back().make_state(slots));
    }
  }
  if (spec_.output.size > 0) output_.emplace_back(spec_, weights.fc_w, weights.fc_b, precision);
  if (spec_.autoregressive) {
    if (spec_.bidirectional || spec_.embedding.vocabulary < 1 || output_.empty() ||
        spec_.output.size != spec_.embedding.vocabulary || spec_.embedding.size != spec_.input_size ||
        weights.embedding.size() != std::size_t(spec_.embedding.vocabulary) * std::size_t(spec_.embedding.size))
      throw std::invalid_argument(
          "functional engine: a decoder needs a unidirectional network, an embedding table of input_size values and "
          "an output layer of the vocabulary's size");
    embedding_ = weights.embedding;
  }
  gx_step_.resize(slots, Eigen::Index(spec_.gates()) * spec_.hidden_size);
  h_out_.resize(slots, spec_.hidden_size);
}

FunctionalEngine::~FunctionalEngine() = default;

FunctionalEngine::Sequence& FunctionalEngine::sequence(const SequenceDescriptor& d) {
  auto it = sequences_.find(d.id);
  if (it != sequences_.end()) return it->second;
  Sequence s;
  // The network's input in DRAM: an encoder-decoder's source; a decoder alone has none.
  const std::int64_t input_rows = spec_.encoder_decoder() ? d.source_padded
                                  : spec_.autoregressive  ? 0
                                                          : d.padded_length;
  s.input.resize(input_rows, spec_.input_size);
  if (input_rows > 0) read_(d.input_address, s.input.data(), std::uint64_t(s.input.size()) * sizeof(float));
  s.outputs.resize(std::size_t(spec_.num_layers));
  for (int l = 0; l < spec_.num_layers; ++l) {
    const std::int64_t rows = spec_.is_decoder_layer(l) || !spec_.encoder_decoder() ? d.padded_length : d.source_padded;
    s.outputs[std::size_t(l)].setZero(rows, Eigen::Index(spec_.hidden_size) * spec_.directions());
  }
  s.handoff_h.resize(std::size_t(spec_.encoder_layers));
  s.handoff_c.resize(std::size_t(spec_.encoder_layers));
  s.done.assign(std::size_t(spec_.num_layers), 0);
  return sequences_.emplace(d.id, std::move(s)).first->second;
}

namespace {

// The layer's output as the next layer sees it: concat is the stored layout;
// a sum merge adds the two directions (rounded like the datapath does).
RowMatrix merged_rows(const NetworkSpec& spec, Precision p, const RowMatrix& stored, std::int64_t begin,
                      std::int64_t rows) {
  if (!(spec.bidirectional && spec.merge == DirectionMerge::sum)) return stored.middleRows(begin, rows);
  const int h = spec.hidden_size;
  RowMatrix out = stored.block(begin, 0, rows, h) + stored.block(begin, h, rows, h);
  round_in_place(p, out.data(), std::size_t(out.size()));
  return out;
}

}  // namespace

void FunctionalEngine::run_direction(int layer, int direction, const std::vector<Segment>& segments,
                                     std::int64_t span) {
  if (segments.empty()) return;
  const LayerDatapath& dp = layers_[std::size_t(layer)][std::size_t(direction)];
  SlotState& state = states_[std::size_t(layer)][std::size_t(direction)];
  const bool backward = direction == 1;
  // Input half: one product per segment, rows in step order.
  std::int64_t total = 0;
  for (const auto& s : segments) total += s.end - s.begin;
  gx_.resize(total, dp.gate_width());
  std::vector<std::int64_t> first_row(segments.size());
  std::int64_t row = 0;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    const Segment& s = segments[k];
    Sequence& seq = sequence(s.sequence);
    const std::int64_t n = s.end - s.begin;
    first_row[k] = row;
    if (layer == spec_.first_decoder_layer()) {
      // Greedy decoding: step t's input is the embedding of step t - 1's token (step 0: BOS).
      const int e = spec_.embedding.size;
      RowMatrix x(n, e);
      for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t t = s.begin + j;
        if (t > std::int64_t(seq.tokens.size()))
          throw std::logic_error("functional engine: decoder step " + std::to_string(t) + " before its token");
        const int token = t == 0 ? spec_.embedding.bos_token : seq.tokens[std::size_t(t - 1)];
        x.row(j) = Eigen::Map<const RowVector>(embedding_.data() + std::size_t(token) * std::size_t(e), e);
      }
      dp.input_half(x, gx_.middleRows(row, n));
    } else if (layer == 0) {
      dp.input_half(seq.input.middleRows(s.begin, n), gx_.middleRows(row, n));
    } else {
      const RowMatrix x = merged_rows(spec_, precision_, seq.outputs[std::size_t(layer - 1)], s.begin, n);
      dp.input_half(x, gx_.middleRows(row, n));
    }
    row += n;
  }
  // Recurrence in lockstep: each step, every slot with an active segment computes.
  const auto nslots = static_cast<std::size_t>(slots_);
  std::vector<std::vector<std::size_t>> by_slot(nslots);
  for (std::size_t k = 0; k < segments.size(); ++k) by_slot[std::size_t(segments[k].slot)].push_back(k);
  std::vector<std::size_t> cursor(nslots, 0);
  std::vector<std::uint8_t> mask(nslots), reset(nslots);
  std::vector<std::int64_t> active_segment(nslots, -1), step_of(nslots);
  const int h = spec_.hidden_size;
  for (std::int64_t t = 0; t < span; ++t) {
    bool any = false;
    for (int slot = 0; slot < slots_; ++slot) {
      const auto us = std::size_t(slot);
      mask[us] = 0;
      reset[us] = 0;
      active_segment[us] = -1;
      auto& list = by_slot[us];
      while (cursor[us] < list.size()) {
        const Segment& s = segments[list[cursor[us]]];
        if (t >= s.window_offset + (s.end - s.begin)) {
          ++cursor[us];
          continue;
        }
        if (t < s.window_offset) break;
        const std::int64_t i = t - s.window_offset;
        const std::int64_t n = s.end - s.begin;
        const std::int64_t local = backward ? n - 1 - i : i;
        gx_step_.row(slot) = gx_.row(first_row[list[cursor[us]]] + local);
        mask[us] = 1;
        // Padding is computed, but the backward direction starts afresh at the sequence's
        // real last step (masked padding), so padded results equal unpadded ones.
        const bool real_end =
            backward && s.sequence.padded_length > s.sequence.length && s.begin + local == s.sequence.length - 1;
        reset[us] = ((i == 0 && s.resets_state) || real_end) ? 1 : 0;
        active_segment[us] = std::int64_t(list[cursor[us]]);
        step_of[us] = s.begin + local;
        any = true;
        break;
      }
    }
    if (!any) continue;
    const bool handoff = spec_.encoder_decoder();
    if (handoff && spec_.is_decoder_layer(layer))
      for (int slot = 0; slot < slots_; ++slot) {  // the decoder starts from the encoder's final state
        const auto us = std::size_t(slot);
        if (!mask[us] || step_of[us] != 0) continue;
        const Sequence& seq = sequences_.at(segments[std::size_t(active_segment[us])].sequence.id);
        const auto from = std::size_t(layer - spec_.encoder_layers);
        state.h.row(slot) = seq.handoff_h[from];
        if (state.c.size() > 0) state.c.row(slot) = seq.handoff_c[from];
      }
    dp.step(gx_step_, mask, reset, state, h_out_);
    for (int slot = 0; slot < slots_; ++slot) {
      const auto us = std::size_t(slot);
      if (!mask[us]) continue;
      const SequenceDescriptor& d = segments[std::size_t(active_segment[us])].sequence;
      Sequence& seq = sequences_.at(d.id);
      seq.outputs[std::size_t(layer)].block(step_of[us], Eigen::Index(direction) * h, 1, h) = h_out_.row(slot);
      if (handoff && !spec_.is_decoder_layer(layer) && step_of[us] == d.source_length - 1) {
        seq.handoff_h[std::size_t(layer)] = state.h.row(slot);
        if (state.c.size() > 0) seq.handoff_c[std::size_t(layer)] = state.c.row(slot);
      }
    }
  }
}

void FunctionalEngine::run_pass(const LayerPass& pass) {
  run_direction(pass.layer, 0, pass.forward, pass.forward_span);
  if (spec_.bidirectional) run_direction(pass.layer, 1, pass.backward, pass.backward_span);
  if (spec_.autoregressive && pass.layer == spec_.num_layers - 1) decode_rows(pass);
}

void FunctionalEngine::decode_rows(const LayerPass& pass) {
  const int vocabulary = spec_.output.size;
  RowMatrix logits(1, vocabulary), out(1, vocabulary);
  for (const Segment& s : pass.forward) {
    Sequence& seq = sequences_.at(s.sequence.id);
    for (std::int64_t t = s.begin; t < s.end; ++t) {
      if (t != std::int64_t(seq.tokens.size())) throw std::logic_error("functional engine: decoder rows out of order");
      output_.front().forward(seq.outputs[std::size_t(spec_.num_layers - 1)].middleRows(t, 1), logits, out);
      const int token = argmax(logits.row(0));
      seq.tokens.push_back(token);
      if (seq.ended) continue;  // padding computed after the end: its tokens are not output
      if (token == spec_.embedding.eos_token) ends_.push_back({s.slot, s.sequence.id, t + 1});
      seq.ended = token == spec_.embedding.eos_token || t + 1 >= s.sequence.length;
    }
  }
}

void FunctionalEngine::finish_sequence(const Completion& completion) {
  const auto& d = completion.descriptor;
  auto it = sequences_.find(d.id);
  if (it == sequences_.end()) throw std::logic_error("functional engine: unknown sequence");
  // A decoder's rows: the steps it produced (its EOS included), not the maximum.
  const std::int64_t rows = spec_.autoregressive ? completion.steps : d.length;
  const RowMatrix out = merged_rows(spec_, precision_, it->second.outputs[std::size_t(spec_.num_layers - 1)], 0, rows);
  write_(d.output_address, out.data(), std::uint64_t(out.size()) * sizeof(float));
  std::vector<int> tokens = std::move(it->second.tokens);
  sequences_.erase(it);
  if (output_.empty()) return;
  OutputLayerValues& v = finished_outputs_[d.id];
  if (spec_.autoregressive) {
    tokens.resize(std::size_t(rows));
    v.tokens = std::move(tokens);
  }
  v.logits.resize(out.rows(), spec_.output.size);
  v.output.resize(out.rows(), spec_.output.size);
  output_.front().forward(out, v.logits, v.output);
}

const FunctionalEngine::OutputLayerValues* FunctionalEngine::output_layer_values(std::int64_t id) const {
  const auto it = finished_outputs_.find(id);
  return it == finished_outputs_.end() ? nullptr : &it->second;
}

}  // namespace ebatch
