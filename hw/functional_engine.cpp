#include "hw/functional_engine.h"

#include <algorithm>
#include <stdexcept>

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
  gx_step_.resize(slots, Eigen::Index(spec_.gates()) * spec_.hidden_size);
  h_out_.resize(slots, spec_.hidden_size);
}

FunctionalEngine::~FunctionalEngine() = default;

FunctionalEngine::Sequence& FunctionalEngine::sequence(const SequenceDescriptor& d) {
  auto it = sequences_.find(d.id);
  if (it != sequences_.end()) return it->second;
  Sequence s;
  s.input.resize(d.padded_length, spec_.input_size);
  read_(d.input_address, s.input.data(), std::uint64_t(s.input.size()) * sizeof(float));
  s.outputs.resize(std::size_t(spec_.num_layers));
  for (auto& o : s.outputs) o.setZero(d.padded_length, Eigen::Index(spec_.hidden_size) * spec_.directions());
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
    if (layer == 0) {
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
    dp.step(gx_step_, mask, reset, state, h_out_);
    for (int slot = 0; slot < slots_; ++slot) {
      const auto us = std::size_t(slot);
      if (!mask[us]) continue;
      Sequence& seq = sequences_.at(segments[std::size_t(active_segment[us])].sequence.id);
      seq.outputs[std::size_t(layer)].block(step_of[us], Eigen::Index(direction) * h, 1, h) = h_out_.row(slot);
    }
  }
}

void FunctionalEngine::run_pass(const LayerPass& pass) {
  run_direction(pass.layer, 0, pass.forward, pass.forward_span);
  if (spec_.bidirectional) run_direction(pass.layer, 1, pass.backward, pass.backward_span);
}

void FunctionalEngine::finish_sequence(const Completion& completion) {
  const auto& d = completion.descriptor;
  auto it = sequences_.find(d.id);
  if (it == sequences_.end()) throw std::logic_error("functional engine: unknown sequence");
  const RowMatrix out =
      merged_rows(spec_, precision_, it->second.outputs[std::size_t(spec_.num_layers - 1)], 0, d.length);
  write_(d.output_address, out.data(), std::uint64_t(out.size()) * sizeof(float));
  sequences_.erase(it);
  if (output_.empty()) return;
  OutputLayerValues& v = finished_outputs_[d.id];
  v.logits.resize(out.rows(), spec_.output.size);
  v.output.resize(out.rows(), spec_.output.size);
  output_.front().forward(out, v.logits, v.output);
}

const FunctionalEngine::OutputLayerValues* FunctionalEngine::output_layer_values(std::int64_t id) const {
  const auto it = finished_outputs_.find(id);
  return it == finished_outputs_.end() ? nullptr : &it->second;
}

}  // namespace ebatch
