// Batching policies: the host runtime's decisions, as untimed classes.
//
// A policy sees the waiting requests and how full each slot queue is, and
// decides (1) which waiting request goes into which slot and with how many
// steps to compute (padding), and (2) which command the accelerator runs next.
// The HostRuntime carries the decisions out through the register map.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/experiment.h"

namespace ebatch {

struct Placement {
  int slot = 0;
  std::size_t waiting_index = 0;   // index into RuntimeView::waiting
  std::int64_t padded_length = 0;  // steps to compute (>= the request's length)
  std::int64_t padded_source = 0;  // encoder-decoder networks: source steps to compute (0: the source's)
  bool run_to_padded = false;      // decoders: compute padded_length steps even past the sequence's end
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
  // Up to `max` commands to queue ahead (policy.command_mode: queue), in order; empty when the
  // runtime should wait. Each must be causal: it may only use the sequences placed so far,
  // and a sequence's completion is known only from its interrupt. By default next_command's one.
  virtual std::vector<AcceleratorCommand> next_commands(const RuntimeView& view, int max);
  // next_commands' commands into out[0, n), returning n; the entries of `out` keep their
  // storage from call to call (a host that keeps `out` allocates nothing per command).
  // By default moved from next_commands.
  virtual std::size_t fill_commands(const RuntimeView& view, int max, std::vector<AcceleratorCommand>& out);
  // A sequence left `slot` (its result is back on the host).
  virtual void on_completion(int slot, const Request& request) { (void)slot, (void)request; }
  // A sequence failed in `slot` (the accelerator dropped it); by default, as a completion.
  virtual void on_failure(int slot, const Request& request) { on_completion(slot, request); }
  // Whether place() may also run while a command executes (right after a completion).
  virtual bool refill_during_command() const { return false; }
  // A time (s) to consult the policy again even if nothing arrives; < 0: none.
  virtual double wake_at(const RuntimeView& view) const { return (void)view, -1.0; }
  // One line on how the policy was configured (e.g. how the window was chosen).
  virtual std::string describe() const { return name(); }
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

// Which requests a padded batch takes (policy.order): the oldest B in arrival order, or the
// oldest and the B - 1 of the next sort_window - 1 waiting requests closest to it in length
// (length: sorted batching; less padding; the oldest is always in, so nobody starves).
enum class PaddedOrder { arrival, length };
// Decoders (autoregressive networks): the host knows only each sequence's maximum length.
//   until_all_end: each sequence stops at its end; the batch runs until every one has ended;
//   to_max: every sequence computes the batch's longest maximum (a static graph's batch).
enum class DecoderPadding { until_all_end, to_max };

struct PaddedOptions : ConfigExtensionOf<PaddedOptions> {
  PaddedOrder order = PaddedOrder::arrival;
  int sort_window = 0;  // requests considered for `length` (0: every waiting request)
  DecoderPadding decoder_padding = DecoderPadding::until_all_end;
};

// Static batching: gather up to B requests (or until the batch timeout), pad every
// sequence to the longest, run the batch to its end, then the next.
class PaddedBatchingPolicy : public BatchingPolicy {
 public:
  PaddedBatchingPolicy(const NetworkSpec& net, int slots, double timeout_s, PaddedOptions options = {})
      : layers_(net.num_layers),
        slots_(slots),
        timeout_s_(timeout_s),
        options_(options),
        autoregressive_(net.autoregressive),
        encoder_decoder_(net.encoder_decoder()) {}
  std::string name() const override { return "padded"; }
  int slots() const override { return slots_; }
  int queue_depth() const override { return 1; }
  std::vector<Placement> place(const RuntimeView& view) override;
  std::optional<AcceleratorCommand> next_command(const RuntimeView& view) override;
  double wake_at(const RuntimeView& view) const override;

 private:
  bool batch_ready(const RuntimeView& view) const;
  // Indices into view.waiting of the next batch (at most B, the oldest first).
  std::vector<std::size_t> choose(const RuntimeView& view) const;
  int layers_, slots_;
  double timeout_s_;
  PaddedOptions options_;
  bool autoregressive_, encoder_decoder_;
};

// Which cell type (layer) a cellular step runs (policy.scheduler). Age is arrival time, then
// request id (so a request that refilled a low slot never counts as older than it is).
//   oldest_deepest: the oldest request with a ready cell picks its deepest ready layer (BatchMaker's);
//   most_ready: the layer with the most ready requests (ties: the deepest);
//   sticky: the layer of the previous cell while it has ready work, else as oldest_deepest.
enum class CellularScheduler { oldest_deepest, most_ready, sticky };
// policy.in_flight: how many sequences cellular batching admits at once (the accelerator keeps
// that many sequences' state); each cell still runs at most B (policy.slots) of them.
struct CellularOptions : ConfigExtensionOf<CellularOptions> {
  static constexpr int kSlots = -1;  // in_flight: slots (B, today's)
  static constexpr int kAuto = 0;    // in_flight: auto (as many as E-BATCH holds: B x its queue depth)
  int in_flight = kSlots;            // or a count >= B
  int ebatch_queue_depth = 0;        // auto's depth; 0: auto_queue_depth(net)
  CellularScheduler scheduler = CellularScheduler::oldest_deepest;
};
// The in-flight count `options` give for B slots on `net`.
int cellular_in_flight(const NetworkSpec& net, int slots, const CellularOptions& options);

// Cellular batching (BatchMaker): each step, one cell type (layer) runs one step for at
// most B of the in-flight requests that have a ready cell there (the B oldest); requests
// join and leave at cell granularity. The scheduler picks the layer. The policy tracks
// progress in a shadow of the hardware's slot state (one slot per in-flight sequence),
// updated by the commands it issues.
class CellularBatchingPolicy : public BatchingPolicy {
 public:
  CellularBatchingPolicy(const NetworkSpec& net, int slots, CellularOptions options = {});
  ~CellularBatchingPolicy() override;
  std::string name() const override { return "cellular"; }
  int slots() const override { return in_flight_; }  // the hardware's slots: one per in-flight sequence
  int queue_depth() const override { return 1; }
  std::vector<Placement> place(const RuntimeView& view) override;
  std::optional<AcceleratorCommand> next_command(const RuntimeView& view) override;
  // The cells next_command gives one after another on the shadow slots (the placed sequences).
  std::vector<AcceleratorCommand> next_commands(const RuntimeView& view, int max) override;
  std::size_t fill_commands(const RuntimeView& view, int max, std::vector<AcceleratorCommand>& out) override;
  void on_completion(int slot, const Request& request) override;
  void on_failure(int slot, const Request& request) override;
  std::string describe() const override;
  int cell_batch() const { return batch_; }

 private:
  struct Shadow;
  int choose_layer();
  bool next_cell();
  int layers_, batch_, in_flight_;
  CellularScheduler scheduler_;
  int last_layer_ = -1;
  std::unique_ptr<Shadow> shadow_;
};

// E-BATCH: B slots, each a queue of sequences back to back; every command runs a
// window of N steps of every layer, layer-major; a completed sequence's slot is
// refilled from the waiting requests (between windows, or at once).
class EbatchPolicy : public BatchingPolicy {
 public:
  EbatchPolicy(const NetworkSpec& net, const PolicyConfig& config, int window_steps, std::string window_reason);
  std::string name() const override { return "ebatch"; }
  int slots() const override { return slots_; }
  int queue_depth() const override { return depth_; }
  std::vector<Placement> place(const RuntimeView& view) override;
  std::optional<AcceleratorCommand> next_command(const RuntimeView& view) override;
  bool refill_during_command() const override { return immediate_; }
  std::string describe() const override;
  int window_steps() const { return window_; }

 private:
  int layers_, slots_, depth_, window_;
  bool immediate_;
  std::string reason_;
};

// Slot queue depth E-BATCH uses when the config says auto: unidirectional layers all
// advance within a window, so one sequence behind the current one keeps a slot full;
// a bidirectional layer holds a sequence until its whole input exists, so each layer
// may hold a different sequence of the slot.
int auto_queue_depth(const NetworkSpec& net);

// The runtime side of a registered policy: its factory. A policy registers it with
// its PolicySpec (common/policy_spec.h) from runtime/policies/<name>.cpp:
//   const PolicyRegistrar kRegistrar{kSpec, kFactory};
// The registrar is a static object in the ebatch_runtime archive, which tb links
// whole (tb/CMakeLists.txt: WHOLE_ARCHIVE), so it is never dropped.
struct PolicyFactory {
  std::string name;  // the PolicySpec's name
  int order = 0;
  // `window_steps`: the tuner's choice when the config says auto; `window_reason`: why.
  std::function<std::unique_ptr<BatchingPolicy>(const Experiment& e, int window_steps,
                                                const std::string& window_reason)>
      make;
};
using PolicyFactoryRegistry = Registry<PolicyFactory>;

struct PolicyRegistrar {
  PolicyRegistrar(const PolicySpec& spec, const PolicyFactory& factory);
};

// Builds the policy an experiment asks for. `window_steps` resolves window_steps: auto
// (the caller runs the tuner); `window_reason` says why that N.
std::unique_ptr<BatchingPolicy> make_policy(const Experiment& experiment, int window_steps = 0,
                                            const std::string& window_reason = "");

}  // namespace ebatch
