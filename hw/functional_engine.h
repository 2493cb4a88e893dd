// The values an accelerator computes, pass by pass, for sequences in batch
// slots (functional mode). Shared by every platform: the platform decides when
// and at what cost; this decides what.
//
// Models: per (layer, direction) a LayerDatapath and a per-slot state that
// resets where a sequence starts; layer outputs of a sequence kept (as the
// intermediate memory would) until the next layer no longer needs them; the
// last recurrent layer's outputs written to the sequence's output address when
// it completes. Inputs and outputs are FP32 in DRAM, moved by debug access.
// Weights are taken from the RnnWeights given at construction: the hardware
// loads the same values from DRAM each time (those loads are timed elsewhere).
// Padding steps are computed; a bidirectional layer's backward direction resets its
// state at the sequence's real last step, as masked (packed) padding does.
// The output layer (when the network has one) is applied to every step of the
// last recurrent layer's merged outputs when the sequence completes; its values
// (logits and activated, length x output size) are kept by the engine until the
// testbench collects them (output_layer_values / release), handed over by debug
// access like the recurrent outputs, untimed (the output layer's cost is modelled
// by the platform; the timed transfer to the host stays the recurrent outputs).
// Autoregressive networks (greedy decoding): the decoder's first layer takes at step t the
// embedding row of the token predicted at step t - 1 (step 0: embedding.bos_token); after
// each pass of the last layer the output layer runs on the new rows and its argmax (over
// the rounded logits, hw/rnn_datapath.h argmax) is the step's token. A sequence whose token
// is embedding.eos_token is reported by take_ends (the accelerator then calls
// SlotEngine::end_sequence); steps computed after it (padding to the maximum) are ignored.
// Encoder-decoder networks: the encoder reads the source from DRAM (source_padded rows);
// encoder layer i's state at the source's real last step (source_length - 1) is copied
// into decoder layer encoder_layers + i before the decoder's first step (the hand-off).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "common/rnn_weights.h"
#include "hw/contract/slot_engine.h"
#include "hw/rnn_datapath.h"

namespace ebatch {

class FunctionalEngine {
 public:
  using DramRead = std::function<void(std::uint64_t address, void* data, std::uint64_t bytes)>;
  using DramWrite = std::function<void(std::uint64_t address, const void* data, std::uint64_t bytes)>;

  FunctionalEngine(const RnnWeights& weights, Precision precision, int slots, DramRead read, DramWrite write);
  ~FunctionalEngine();

  void run_pass(const LayerPass& pass);
  // Writes the finished sequence's outputs (length x layer_output_size) and forgets it.
  void finish_sequence(const Completion& completion);
  // Forgets a sequence the accelerator dropped (a failed request).
  void drop_sequence(std::int64_t id) { sequences_.erase(id); }
  std::size_t sequences_in_flight() const { return sequences_.size(); }

  // Decoded sequences whose last run_pass produced the end-of-sequence token: the slot, the
  // request and the steps produced (the EOS included). Cleared by the call.
  struct End {
    int slot = 0;
    std::int64_t id = 0;
    std::int64_t steps = 0;
  };
  std::vector<End> take_ends() { return std::exchange(ends_, {}); }

  // The output layer's values of a finished sequence (rows = its length), computed by
  // finish_sequence with OutputDatapath at the run's precision; null if the network has
  // no output layer or the sequence is not finished (or already released).
  struct OutputLayerValues {
    RowMatrix logits;         // length x output size, rounded, before the activation
    RowMatrix output;         // length x output size, after spec.output.activation
    std::vector<int> tokens;  // autoregressive networks: the decoded token ids (length of them)
  };
  const OutputLayerValues* output_layer_values(std::int64_t id) const;
  void release(std::int64_t id) { finished_outputs_.erase(id); }

 private:
  struct Sequence {
    RowMatrix input;                              // padded_length x input_size
    std::vector<RowMatrix> outputs;               // per layer: padded_length x layer_output_size
    std::vector<std::int64_t> done;               // per layer: rows finished in both directions
    std::vector<int> tokens;                      // decoders: the token of every computed step
    bool ended = false;                           // decoders: the EOS (or the maximum) was reached
    std::vector<RowVector> handoff_h, handoff_c;  // encoder-decoder: per encoder layer, final state
  };
  void decode_rows(const LayerPass& pass);
  Sequence& sequence(const SequenceDescriptor& d);
  void run_direction(int layer, int direction, const std::vector<Segment>& segments, std::int64_t span);

  NetworkSpec spec_;
  Precision precision_;
  int slots_;
  DramRead read_;
  DramWrite write_;
  std::vector<std::vector<LayerDatapath>> layers_;  // [layer][direction]
  std::vector<std::vector<SlotState>> states_;      // [layer][direction]
  std::map<std::int64_t, Sequence> sequences_;
  std::vector<OutputDatapath> output_;  // 0 or 1 element
  std::map<std::int64_t, OutputLayerValues> finished_outputs_;
  RowMatrix gx_, gx_step_, h_out_;
  std::vector<float> embedding_;  // vocabulary x embedding.size (decoders)
  std::vector<End> ends_;
};

}  // namespace ebatch
