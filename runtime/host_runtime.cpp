#include "runtime/host_runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "common/byte_mask.h"
#include "common/errors.h"
#include "common/invariant.h"
#include "common/units.h"
#include "hw/contract/register_map.h"

namespace ebatch {

using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {
constexpr std::uint64_t kAlign = 4096;
std::uint64_t align_up(std::uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }
}  // namespace

HostRuntime::HostRuntime(sc_core::sc_module_name name, const Experiment& experiment, std::vector<Request> requests,
                         BatchingPolicy& policy, RegisterBus& regs, MemoryBus& mem)
    : sc_module(name),
      irq("irq"),
      slot_request("slot_request", std::size_t(policy.slots())),
      waiting_requests("waiting_requests"),
      experiment_(experiment),
      requests_(std::move(requests)),
      policy_(policy),
      queued_(std::size_t(policy.slots()), 0),
      in_slot_(std::size_t(policy.slots())),
      pushes_(std::size_t(policy.slots()), 0),
      regs_(regs),
      mem_(mem) {
  for (const auto& r : requests_) max_length_ = std::max(max_length_, buffer_steps(r));
  const auto& net = experiment.network;
  // DRAM layout: the weight image, then one input and one output buffer per slot queue entry.
  // Buffers hold FP32 values (functional data); timed transfers move the hardware's sizes.
  weight_image_bytes_ = net.total_parameters() * bytes_per_value(experiment.hardware.precision);
  input_entry_bytes_ = align_up(std::uint64_t(max_length_) * net.input_size * sizeof(float));
  output_entry_bytes_ = align_up(std::uint64_t(max_length_) * net.layer_output_size() * sizeof(float));
  set_weight_image_address(0);
  for (auto& s : slot_request) s.write(-1);
  SC_THREAD(main);
}

std::uint64_t HostRuntime::dram_bytes_needed() const { return ring_base_ + ring_bytes(experiment_); }

std::uint64_t HostRuntime::ring_bytes(const Experiment& e) {
  if (e.policy.command_mode != CommandMode::queue) return 0;
  return std::uint64_t(e.policy.command_queue_entries) * regs::kCmdDescriptorBytes;
}

std::uint64_t HostRuntime::dram_layout_bytes(const Experiment& e, std::int64_t max_length, int slots, int queue_depth) {
  const auto& net = e.network;
  const std::uint64_t weights = net.total_parameters() * bytes_per_value(e.hardware.precision);
  const std::uint64_t in = align_up(std::uint64_t(max_length) * net.input_size * sizeof(float));
  const std::uint64_t out = align_up(std::uint64_t(max_length) * net.layer_output_size() * sizeof(float));
  const std::uint64_t buffers = align_up(weights) + std::uint64_t(slots) * std::uint64_t(queue_depth) * (in + out);
  return ring_bytes(e) ? align_up(buffers) + ring_bytes(e) : buffers;
}

void HostRuntime::set_weight_image_address(std::uint64_t address) {
  weights_address_ = address;
  buffers_base_ = align_up(weights_address_ + weight_image_bytes_);
  // The command ring (queue mode) after the slot buffers.
  const std::uint64_t buffers_end = buffers_base_ + std::uint64_t(policy_.slots()) * policy_.queue_depth() *
                                                        (input_entry_bytes_ + output_entry_bytes_);
  ring_base_ = ring_bytes(experiment_) ? align_up(buffers_end) : buffers_end;
}

void HostRuntime::probe() {
  using namespace regs;
  const std::string where = experiment_.source_file + ": ";
  std::uint32_t id = 0, caps = 0;
  if (!regs_.debug_read32(kId, id) || !regs_.debug_read32(kCaps, caps))
    throw InputError(where + "the accelerator does not answer the probe of its ID and CAPS registers");
  if ((id & kIdMask) != kIdValue) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", unsigned(id));
    throw InputError(where + "the accelerator's ID register reads " + text +
                     ", not an E-BATCH accelerator (0xEBA7....)");
  }
  caps_.platform = id & ~kIdMask;
  caps_.slots = int(caps_slots(caps));
  caps_.queue_depth = int(caps_queue_depth(caps));
  caps_.layers = int(caps_layers(caps));
  const auto refuse = [&](const std::string& key, const std::string& what, int needed, int offered) {
    throw InputError(where + "key '" + key + "': " + what + " needs " + std::to_string(needed) +
                     ", the accelerator offers " + std::to_string(offered) + " (CAPS register)");
  };
  if (policy_.slots() > caps_.slots) refuse("policy.slots", "the policy's slot count", policy_.slots(), caps_.slots);
  if (policy_.queue_depth() > caps_.queue_depth)
    refuse("policy.slot_queue_depth", "the policy's slot queue depth", policy_.queue_depth(), caps_.queue_depth);
  caps_.command_queue = (caps & kCapsCommandQueue) != 0;
  if (experiment_.policy.command_mode == CommandMode::queue && !caps_.command_queue)
    throw InputError(where + "key 'policy.command_mode': queue needs the accelerator's command queue, " +
                     "which it does not offer (CAPS bit 15 clear)");
  if (experiment_.network.num_layers > caps_.layers)
    refuse("network.layers", "the network's layer count", experiment_.network.num_layers, caps_.layers);
  if (!regs_.debug_write32(kWeightsLo, std::uint32_t(weights_address_ & 0xffffffffu)) ||
      !regs_.debug_write32(kWeightsHi, std::uint32_t(weights_address_ >> 32)))
    throw InputError(where + "the accelerator refuses the weight image address (WEIGHTS_LO/HI)");
}

std::uint32_t HostRuntime::access_reg(bool write, std::uint32_t address, std::uint32_t value) {
  sc_time delay = qk_.get_local_time();
  const bool ok = write ? regs_.write32(address, value, delay) : regs_.read32(address, value, delay);
  qk_.set(delay);
  if (!ok) SC_REPORT_ERROR("HostRuntime", ("register access failed at " + std::to_string(address)).c_str());
  return value;
}

void HostRuntime::transfer(bool write, std::uint64_t address, std::uint64_t bytes) {
  constexpr std::uint64_t kBurst = 1 << 20;
  if (staging_.size() * sizeof(float) < std::min(bytes, kBurst)) staging_.resize(std::min(bytes, kBurst) / 4 + 1);
  while (bytes > 0) {
    const std::uint64_t n = std::min(bytes, kBurst);
    sc_time delay = qk_.get_local_time();
    const bool ok = mem_.transfer(write, address, reinterpret_cast<unsigned char*>(staging_.data()), n, delay);
    qk_.set(delay);
    if (!ok) SC_REPORT_ERROR("HostRuntime", "DRAM transfer failed");
    address += n;
    bytes -= n;
  }
  if (qk_.need_sync()) qk_.sync();
}

void HostRuntime::debug_transfer(bool write, std::uint64_t address, void* data, std::uint64_t bytes) {
  if (!mem_.debug_transfer(write, address, data, bytes)) SC_REPORT_ERROR("HostRuntime", "DRAM debug transfer failed");
}

const RuntimeView& HostRuntime::view() {
  RuntimeView& v = view_;  // assigning queued_ keeps the vector's storage
  v.now_s = (sc_core::sc_time_stamp() + qk_.get_local_time()).to_seconds();
  v.waiting = &waiting_;
  v.queued = queued_;
  v.more_arrivals = next_arrival_ < requests_.size();
  v.next_arrival_s = v.more_arrivals ? requests_[next_arrival_].arrival_s : 0;
  return v;
}

void HostRuntime::place(const Placement& p) {
  using namespace regs;
  const Request request = waiting_[p.waiting_index];
  waiting_.erase(waiting_.begin() + std::ptrdiff_t(p.waiting_index));
  const auto& net = experiment_.network;
  const int bytes = bytes_per_value(experiment_.hardware.precision);
  const std::uint64_t entry = pushes_[std::size_t(p.slot)]++ % std::uint64_t(policy_.queue_depth());
  const std::uint64_t base = buffers_base_ + (std::uint64_t(p.slot) * policy_.queue_depth() + entry) *
                                                 (input_entry_bytes_ + output_entry_bytes_);
  const std::uint64_t in_addr = base, out_addr = base + input_entry_bytes_;
  // Inputs (padded steps as zeros) go to DRAM before the sequence is queued. A decoder's inputs
  // are embeddings of its own tokens (the accelerator reads them from the weight image): an
  // encoder-decoder writes only the source, a decoder alone nothing.
  const std::int64_t padded_source = p.padded_source > 0 ? p.padded_source : request.source_length;
  const std::int64_t input_steps = net.encoder_decoder() ? padded_source : net.autoregressive ? 0 : p.padded_length;
  if (inputs_ && input_steps > 0) {
    std::vector<float> rows;
    inputs_(request, rows);
    rows.resize(std::size_t(input_steps) * net.input_size, 0.0f);
    debug_transfer(true, in_addr, rows.data(), rows.size() * sizeof(float));
  }
  if (input_steps > 0) transfer(true, in_addr, std::uint64_t(input_steps) * net.input_size * bytes);
  const auto reg = [&](std::uint32_t offset) { return slot_reg(p.slot, offset); };
  // Injected driver fault: the descriptor's input address gets bit 44 flipped (16 TiB away).
  const bool corrupt =
      std::find(bad_address_ids_.begin(), bad_address_ids_.end(), request.id) != bad_address_ids_.end();
  const std::uint64_t descriptor_in = corrupt ? in_addr ^ (1ull << 44) : in_addr;
  write_reg(reg(kSlotIdLo), std::uint32_t(std::uint64_t(request.id) & 0xffffffffu));
  write_reg(reg(kSlotIdHi), std::uint32_t(std::uint64_t(request.id) >> 32));
  write_reg(reg(kSlotLength), std::uint32_t(request.length));
  write_reg(reg(kSlotPadded), std::uint32_t(p.padded_length));
  if (net.encoder_decoder()) {
    write_reg(reg(kSlotSource), std::uint32_t(request.source_length));
    write_reg(reg(kSlotSourcePadded), std::uint32_t(padded_source));
  }
  if (net.autoregressive) write_reg(reg(kSlotFlags), p.run_to_padded ? kSlotRunToPadded : 0);
  write_reg(reg(kSlotInLo), std::uint32_t(descriptor_in & 0xffffffffu));
  write_reg(reg(kSlotInHi), std::uint32_t(descriptor_in >> 32));
  write_reg(reg(kSlotOutLo), std::uint32_t(out_addr & 0xffffffffu));
  write_reg(reg(kSlotOutHi), std::uint32_t(out_addr >> 32));
  write_reg(reg(kSlotPush), 1);
  RequestRecord rec;
  rec.request = request;
  rec.slot = p.slot;
  rec.padded_length = p.padded_length;
  rec.input_address = in_addr;
  rec.output_address = out_addr;
  rec.start_s = (sc_core::sc_time_stamp() + qk_.get_local_time()).to_seconds();
#ifdef EBATCH_CHECKS
  for (const auto& slot_queue : in_slot_)
    for (const auto& r : slot_queue)
      EBATCH_INVARIANT(r.request.id != request.id, "request " + std::to_string(request.id) + " placed twice");
#endif
  in_slot_[std::size_t(p.slot)].push_back(rec);
  queued_[std::size_t(p.slot)]++;
  EBATCH_INVARIANT(queued_[std::size_t(p.slot)] == int(in_slot_[std::size_t(p.slot)].size()) &&
                       queued_[std::size_t(p.slot)] <= policy_.queue_depth(),
                   "slot " + std::to_string(p.slot) + " queue count disagrees with its queue or exceeds the depth");
  if (placement_observer_) placement_observer_(rec);
  if (tracing_ && in_slot_[std::size_t(p.slot)].size() == 1) {
    sync();
    slot_request[std::size_t(p.slot)].write(request.id);
  }
}

void HostRuntime::complete(int slot, std::int64_t request_id, std::int64_t steps) {
  auto& q = in_slot_.at(std::size_t(slot));
  auto it = std::find_if(q.begin(), q.end(), [&](const RequestRecord& r) { return r.request.id == request_id; });
  if (it == q.end()) {
    error_ = "completion interrupt for request " + std::to_string(request_id) + " not queued in slot " +
             std::to_string(slot);
    return;
  }
  RequestRecord rec = *it;
  q.erase(it);
  queued_[std::size_t(slot)]--;
  EBATCH_INVARIANT(queued_[std::size_t(slot)] == int(q.size()), "slot queue count disagrees with its queue");
  const auto& net = experiment_.network;
  const std::uint64_t out_addr = rec.output_address;
  if (steps < 0) steps = rec.request.length;
  rec.steps_produced = steps;
  transfer(false, out_addr,
           std::uint64_t(steps) * net.layer_output_size() * bytes_per_value(experiment_.hardware.precision));
  std::vector<float> outputs;
  if (inputs_) {
    outputs.resize(std::size_t(steps) * net.layer_output_size());
    debug_transfer(false, out_addr, outputs.data(), outputs.size() * sizeof(float));
  }
  rec.finish_s = (sc_core::sc_time_stamp() + qk_.get_local_time()).to_seconds();
  completed_++;
  if (finish_observer_) finish_observer_(rec);
  policy_.on_completion(slot, rec.request);
  if (sink_) sink_(rec, inputs_ ? &outputs : nullptr);
  trace_slot_head(slot);
}

void HostRuntime::trace_slot_head(int slot) {
  if (!tracing_) return;
  sync();
  const auto& q = in_slot_[std::size_t(slot)];
  slot_request[std::size_t(slot)].write(q.empty() ? -1 : q.front().request.id);
}

void HostRuntime::fail_request(int slot, std::int64_t request_id, std::uint32_t code) {
  auto& q = in_slot_.at(std::size_t(slot));
  auto it = std::find_if(q.begin(), q.end(), [&](const RequestRecord& r) { return r.request.id == request_id; });
  if (it == q.end()) {
    error_ =
        "error interrupt for request " + std::to_string(request_id) + " not queued in slot " + std::to_string(slot);
    return;
  }
  const Request request = it->request;
  q.erase(it);
  queued_[std::size_t(slot)]--;
  failed_.push_back(
      {request.id, slot, regs::error_name(code), (sc_core::sc_time_stamp() + qk_.get_local_time()).to_seconds()});
  policy_.on_failure(slot, request);
  trace_slot_head(slot);
}

void HostRuntime::handle_interrupt(bool& command_done_seen) {
  using namespace regs;
  const std::uint32_t status = read_reg(kIrqStatus);
  if (status & kIrqError) {
    // Failed requests are dropped and reported; the others carry on. An error code (an
    // error that names no request) is fatal and ends the run.
    for (std::uint32_t entry = read_reg(kErrPop); entry & 0x80000000u; entry = read_reg(kErrPop)) {
      const std::uint64_t id = std::uint64_t(read_reg(kErrIdLo)) | (std::uint64_t(read_reg(kErrIdHi)) << 32);
      fail_request(int(entry & 0xffff), std::int64_t(id), (entry >> 16) & 0xff);
    }
    const std::uint32_t code = read_reg(kErrorCode);
    if (code != kErrNone) {
      error_ = "accelerator error " + std::to_string(code) + " (" + error_name(code) + ")";
      command_done_seen = true;
      return;
    }
  }
  if (status & kIrqSeqDone) {
    // One completion per interrupt: the line rises again for each further one.
    const std::uint32_t entry = read_reg(kDonePop);
    if (entry & 0x80000000u) {
      const std::uint64_t id = std::uint64_t(read_reg(kDoneIdLo)) | (std::uint64_t(read_reg(kDoneIdHi)) << 32);
      // A decoder's length is known only to the accelerator: its completion status says it.
      const std::int64_t steps = experiment_.network.autoregressive ? std::int64_t(read_reg(kDoneSteps)) : -1;
      complete(int(entry & 0xffff), std::int64_t(id), steps);
    }
  }
  write_reg(kIrqStatus, status & (kIrqSeqDone | kIrqCmdDone | kIrqError));
  if (status & kIrqCmdDone) command_done_seen = true;
}

std::uint32_t HostRuntime::mask_word(const AcceleratorCommand& cmd, int word) const {
  const int slots = std::min(policy_.slots(), int(cmd.slot_mask.size()));
  const int first = word * 32;
  return first < slots ? pack_set_bytes(cmd.slot_mask.data() + first, std::size_t(std::min(slots - first, 32))) : 0;
}

std::uint32_t HostRuntime::layers_word(const AcceleratorCommand& cmd) const {
  const int last_layer = experiment_.network.num_layers - 1;
  return std::uint32_t(cmd.first_layer) | (std::uint32_t(std::min(cmd.last_layer, last_layer)) << 8);
}

bool HostRuntime::issue_mmio() {
  using namespace regs;
  const auto cmd = policy_.next_command(view());
  if (!cmd) return false;
  for (int w = 0; w * 32 < policy_.slots(); ++w)
    write_reg_if_changed(kSlotMask0 + 4 * std::uint32_t(w), mask_word(*cmd, w));
  write_reg_if_changed(kCmdSteps, std::uint32_t(cmd->steps));
  write_reg_if_changed(kCmdLayers, layers_word(*cmd));
  write_reg(kCtrl, 1);
  return true;
}

bool HostRuntime::issue_queued() {
  using namespace regs;
  const std::size_t count = policy_.fill_commands(view(), experiment_.policy.command_queue_entries, commands_);
  if (count == 0) return false;
  const auto& cmds = commands_;
  // The descriptors (regs:: descriptor format), the last flagged to interrupt when it ends.
  constexpr std::uint32_t kWords = kCmdDescriptorBytes / 4;
  ring_words_.assign(count * kWords, 0);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint32_t* d = ring_words_.data() + i * kWords;
    d[kCmdFlags / 4] = i + 1 == count ? kCmdIrq : 0;
    d[kCmdDescSteps / 4] = std::uint32_t(cmds[i].steps);
    d[kCmdDescLayers / 4] = layers_word(cmds[i]);
    for (int w = 0; w * 32 < policy_.slots(); ++w) d[kCmdDescMask0 / 4 + std::size_t(w)] = mask_word(cmds[i], w);
  }
  // Written from the tail on, wrapping at the ring's end: one timed DRAM transfer per piece.
  const auto entries = std::uint32_t(experiment_.policy.command_queue_entries);
  for (std::uint32_t done = 0; done < count;) {
    const std::uint32_t entry = (cq_tail_ + done) % entries;
    const std::uint32_t piece = std::min(std::uint32_t(count) - done, entries - entry);
    const std::uint64_t address = ring_base_ + std::uint64_t(entry) * kCmdDescriptorBytes;
    debug_transfer(true, address, ring_words_.data() + std::size_t(done) * kWords,
                   std::uint64_t(piece) * kCmdDescriptorBytes);
    transfer(true, address, std::uint64_t(piece) * kCmdDescriptorBytes);
    done += piece;
  }
  cq_tail_ += std::uint32_t(count);
  write_reg(kCqTail, cq_tail_);  // the doorbell
  return true;
}

void HostRuntime::main() {
  using namespace regs;
  qk_.reset();
  const sc_time reaction(experiment_.policy.host_reaction_latency_s, SC_SEC);
  write_reg(kIrqEnable, kIrqSeqDone | kIrqCmdDone | kIrqError);
  if (experiment_.policy.command_mode == CommandMode::queue) {
    write_reg(kCqBaseLo, std::uint32_t(ring_base_ & 0xffffffffu));
    write_reg(kCqBaseHi, std::uint32_t(ring_base_ >> 32));
    write_reg(kCqSize, std::uint32_t(experiment_.policy.command_queue_entries));
  }
  while (completed_ + failed_.size() < requests_.size() && error_.empty()) {
    if (stop_flag_ && *stop_flag_) {
      interrupted_ = true;
      break;
    }
    const double now = (sc_core::sc_time_stamp() + qk_.get_local_time()).to_seconds();
    if (now > units::kMaxSimulatedSeconds) {  // SystemC's time would soon pin: stop rather than be wrong
      error_ = "simulated time passed " + units::format_time(units::kMaxSimulatedSeconds) +
               ", the longest the model simulates (SystemC's range ends near 9.2e6 s)";
      break;
    }
    while (next_arrival_ < requests_.size() && requests_[next_arrival_].arrival_s <= now)
      waiting_.push_back(requests_[next_arrival_++]);
    if (tracing_) waiting_requests.write(std::int64_t(waiting_.size()));
    for (const auto& p : policy_.place(view())) place(p);
    const bool issued = experiment_.policy.command_mode == CommandMode::queue ? issue_queued() : issue_mmio();
    if (!issued) {
      // Nothing to run: sleep until the next arrival or the policy's own deadline.
      double wake = policy_.wake_at(view());
      if (next_arrival_ < requests_.size())
        wake = wake < 0 ? requests_[next_arrival_].arrival_s : std::min(wake, requests_[next_arrival_].arrival_s);
      if (wake < 0) {
        error_ = "policy '" + policy_.name() + "' stopped with " + std::to_string(requests_.size() - completed_) +
                 " requests unfinished";
        break;
      }
      sync();
      const sc_time at(wake, SC_SEC);
      wait(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : sc_core::sc_time(1, sc_core::SC_NS));
      continue;
    }
    // Serve interrupts until the command is done and every completion is collected.
    bool command_done_seen = false;
    while (error_.empty()) {
      sync();
      if (!irq.read()) wait(irq.posedge_event());
      // The handler runs a reaction after the edge and reads the status as it is then: the
      // host waits the reaction out (a read at a local time ahead of the kernel's would see
      // only what was raised by the kernel's time, and miss a CMD_DONE raised meanwhile).
      qk_.inc(reaction);
      sync();
      handle_interrupt(command_done_seen);
      if (command_done_seen && read_reg(kDoneCount) == 0) break;
      if (policy_.refill_during_command()) {
        const double now = (sc_core::sc_time_stamp() + qk_.get_local_time()).to_seconds();
        while (next_arrival_ < requests_.size() && requests_[next_arrival_].arrival_s <= now)
          waiting_.push_back(requests_[next_arrival_++]);
        for (const auto& p : policy_.place(view())) place(p);
      }
    }
  }
  sync();
  finish_time_s_ = sc_core::sc_time_stamp().to_seconds();
  finished_ = true;
  sc_core::sc_stop();
}

}  // namespace ebatch
