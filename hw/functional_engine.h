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
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

  // The output layer's values of a finished sequence (rows = its length), computed by
  // finish_sequence with OutputDatapath at the run's precision; null if the network has
  // no output layer or the sequence is not finished (or already released).
  struct OutputLayerValues {
    RowMatrix logits;  // length x output size, rounded, before the activation
    RowMatrix output;  // length x output size, after spec.output.activation
  };
  const OutputLayerValues* output_layer_values(std::int64_t id) const;
  void release(std::int64_t id) { finished_outputs_.erase(id); }

 private:
  struct Sequence {
    RowMatrix input;                 // padded_length x input_size
    std::vector<RowMatrix> outputs;  // per layer: padded_length x layer_output_size
    std::vector<std::int64_t> done;  // per layer: rows finished in both directions
  };
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
};

}  // namespace ebatch
