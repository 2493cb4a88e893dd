// Batching policies: the host runtime's decisions, as untimed classes.
//
// A policy sees the waiting requests and how full each slot queue is, and
// decides (1) which waiting request goes into which slot and with how many
// steps to compute (padding), and (2) which command the accelerator runs next.
// The HostRuntime carries the decisions out through the register map.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/experiment.h"

namespace ebatch {

struct Placement {
  int slot = 0;
  std::size_t waiting_index = 0;  // index into RuntimeView::waiting
  std::int64_t padded_length = 0; // steps to compute (>= the request's length)
};

struct AcceleratorCommand {
  std::vector<std::uint8_t> slot_mask;  // per slot
  std::int64_t steps = 0;               // 0: as many as possible
  int first_layer = 0, last_layer = 0;
};

struct RuntimeView {
  double now_s = 0;
  const std::deque<Request>* waiting = nullptr;  // arrived, not yet placed, oldest first
  std::vector<int> queued;                       // sequences in each slot's queue
  bool more_arrivals = false;                    // requests still to arrive
  double next_arrival_s = 0;
};

class BatchingPolicy {
 public:
  virtual ~BatchingPolicy() = default;
  virtual std::string name() const = 0;
  virtual int slots() const = 0;
  virtual int queue_depth() const = 0;
  virtual std::vector<Placement> place(const RuntimeView& view) = 0;
  // The next command, or nothing when the runtime should wait for arrivals.
  virtual std::optional<AcceleratorCommand> next_command(const RuntimeView& view) = 0;
  // A sequence left `slot` (its result is back on the host).
  virtual void on_completion(int slot, const Request& request) { (void)slot, (void)request; }
};

// One sequence at a time through the whole network (E-PUR's own dataflow).
class NoBatchingPolicy : public BatchingPolicy {
 public:
  explicit NoBatchingPolicy(const NetworkSpec& net) : layers_(net.num_layers) {}
  std::string name() const override { return "none"; }
  int slots() const override { return 1; }
  int queue_depth() const override { return 1; }
  std::vector<Placement> place(const RuntimeView& view) override;
  std::optional<AcceleratorCommand> next_command(const RuntimeView& view) override;

 private:
  int layers_;
};

// Builds the policy an experiment asks for; InputError for kinds not yet available.
std::unique_ptr<BatchingPolicy> make_policy(const Experiment& experiment);

}  // namespace ebatch
