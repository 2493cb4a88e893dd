#include "hw/accelerator.h"

#include <algorithm>
#include <cstring>

#include "common/byte_mask.h"
#include "hw/functional_engine.h"

namespace ebatch {

using sc_core::SC_SEC;
using sc_core::sc_time;

Accelerator::Accelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy, int slots,
                         int queue_depth)
    : sc_module(name),
      regs("regs"),
      mem("mem"),
      irq("irq"),
      current_layer("layer"),
      commands_done("commands_done"),
      window_index("window"),
      pass_steps("pass_steps"),
      slot_sequence("slot_sequence", std::size_t(slots)),
      slot_remaining("slot_remaining", std::size_t(slots)),
      experiment_(experiment),
      energy_(energy),
      cycle_(1.0 / experiment.hardware.frequency_hz, SC_SEC),
      engine_(experiment.network, slots, queue_depth),
      weight_image_bytes_(std::max<std::uint64_t>(
          1, experiment.network.total_parameters() * std::uint64_t(bytes_per_value(experiment.hardware.precision)))),
      tlm_control_(std::make_unique<TlmControl>(*this, slots,
                                                regs::kIdValue | experiment.hardware.platform->register_id,
                                                regs::make_caps(std::uint32_t(slots), std::uint32_t(queue_depth),
                                                                std::uint32_t(experiment.network.num_layers)) |
                                                    regs::kCapsCommandQueue,
                                                [this](const sc_time& delay) { irq_event_.notify(delay); })),
      control_(tlm_control_.get()),
      reg_access_id_(energy.action("control", "register_access")),
      interrupt_id_(energy.action("control", "interrupt")) {
  tlm_control_->set_requires_source(experiment.network.encoder_decoder());
  regs.register_b_transport(this, &Accelerator::b_transport);
  regs.register_transport_dbg(this, &Accelerator::transport_dbg);
  for (auto& sig : slot_sequence) sig.write(-1);
  SC_THREAD(sequencer);
  SC_METHOD(irq_driver);
  sensitive << irq_event_;
}

Accelerator::~Accelerator() = default;

unsigned Accelerator::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (tlm_control_->check_access(trans.get_address(), trans.get_data_length(), trans.get_byte_enable_ptr()) !=
      tlm::TLM_OK_RESPONSE)
    return 0;
  const std::uint32_t address = std::uint32_t(trans.get_address());
  std::uint32_t value = 0;
  if (trans.is_read()) {
    tlm_control_->debug_read(address, value);
    std::memcpy(trans.get_data_ptr(), &value, 4);
    return 4;
  }
  if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    return tlm_control_->debug_write(address, value) ? 4 : 0;
  }
  return 0;
}

void Accelerator::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const tlm::tlm_response_status access =
      tlm_control_->check_access(trans.get_address(), trans.get_data_length(), trans.get_byte_enable_ptr());
  if (access != tlm::TLM_OK_RESPONSE) {
    trans.set_response_status(access);
    return;
  }
  if (!trans.is_write() && !trans.is_read()) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  // Side effects (START, PUSH, interrupt acknowledges) take effect at the initiator's local
  // time, the kernel's time plus the annotated delay, not at the kernel's time.
  const std::uint32_t address = std::uint32_t(trans.get_address());
  std::uint32_t value = 0;
  if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), 4);
    tlm_control_->write(address, value, delay);
  } else {
    value = tlm_control_->read(address, delay);
    std::memcpy(trans.get_data_ptr(), &value, 4);
  }
  energy_.add(reg_access_id_, 1);
  delay += 2 * cycle_;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Accelerator::control_start(const sc_time& delay) {
  start_pending_ = true;
  start_at_ = sc_core::sc_time_stamp() + delay;
  start_event_.notify(delay);
}

bool Accelerator::control_push(int slot, const SequenceDescriptor& d, const sc_time& delay) {
  if (busy_ || start_pending_) {
    // A running command sees the sequence from the write's time on (admit_pushes).
    if (engine_.queued(slot) + pending_in(slot) >= engine_.queue_depth()) return false;
    pending_.push_back({slot, d, sc_core::sc_time_stamp() + delay});
    return true;
  }
  return engine_.enqueue(slot, d);
}

void Accelerator::control_doorbell(std::uint32_t tail, const sc_time& delay) {
  // The descriptors written so far become visible at the write's time.
  doorbells_.push_back({tail, sc_core::sc_time_stamp() + delay});
  start_event_.notify(delay);
}

void Accelerator::control_fault() {
  failed_ = true;
  count_interrupt();
}

int Accelerator::pending_in(int slot) const {
  int n = 0;
  for (const auto& p : pending_) n += p.slot == slot;
  return n;
}

void Accelerator::admit_pushes(const sc_time& now) {
  while (!pending_.empty() && pending_.front().at <= now) {
    engine_.enqueue(pending_.front().slot, pending_.front().descriptor);  // room was checked at the write
    pending_.pop_front();
  }
}

void Accelerator::count_interrupt() {
  stats_.interrupts++;
  energy_.add(interrupt_id_, 1);
}

void Accelerator::raise(std::uint32_t bits) {
  control_->raise(bits);
  count_interrupt();
}

void Accelerator::irq_driver() {
  if (tlm_control_->take_gap()) {
    irq.write(false);
    irq_event_.notify(cycle_);
    return;
  }
  irq.write(tlm_control_->irq_level());
}

void Accelerator::fail(std::uint32_t code) {
  control_->set_error(code);
  failed_ = true;
  raise(regs::kIrqError);
}

std::uint64_t Accelerator::burst(tlm::tlm_generic_payload& trans, bool write, std::uint64_t address,
                                 std::uint64_t bytes) {
  const std::uint64_t n = std::min(bytes, kMaxBurst);
  if (scratch_.size() < n) scratch_.resize(n);
  trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans.set_address(address);
  trans.set_data_ptr(scratch_.data());
  trans.set_data_length(unsigned(n));
  trans.set_streaming_width(unsigned(n));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  return n;
}

bool Accelerator::dram_transfer(bool write, std::uint64_t address, std::uint64_t bytes,
                                tlm_utils::tlm_quantumkeeper& qk, bool timed) {
  tlm::tlm_generic_payload& trans = dram_trans_;
  while (bytes > 0) {
    const std::uint64_t n = burst(trans, write, address, bytes);
    sc_time delay = qk.get_local_time();
    mem->b_transport(trans, delay);
    if (timed) {
      qk.set(delay);
      if (qk.need_sync()) qk.sync();
    }
    if (trans.is_response_error()) {
      fail(regs::kErrDram);
      return false;
    }
    address += n;
    bytes -= n;
  }
  return true;
}

bool Accelerator::weight_transfer(std::uint64_t bytes, tlm_utils::tlm_quantumkeeper& qk, bool timed) {
  while (bytes > 0) {
    const std::uint64_t n = std::min(bytes, weight_image_bytes_);
    if (!dram_transfer(false, control_->weights_address(), n, qk, timed)) return false;
    bytes -= n;
  }
  return true;
}

void Accelerator::request_failed(int slot, std::int64_t id, std::uint32_t code) {
  if (!engine_.abort(slot, id)) return;  // already dropped by an earlier failure in this pass
  if (functional_) functional_->drop_sequence(id);
  control_->push_error(slot, id, code);
  stats_.failed_requests++;
  raise(regs::kIrqError);
}

void Accelerator::read_inputs(const LayerPass& pass, std::uint64_t bytes_per_step, tlm_utils::tlm_quantumkeeper& qk) {
  tlm::tlm_generic_payload& trans = dram_trans_;
  const sc_time issue = qk.get_local_time();
  sc_time last = issue;
  for (const auto* dir : {&pass.forward, &pass.backward})
    for (const auto& seg : *dir) {
      // A decoder's first layer reads the embedding of the previous token: one row per step from
      // the weight image (the token is not modelled in timing: the row's bytes are).
      std::uint64_t address = experiment_.network.is_decoder_layer(pass.layer)
                                  ? control_->weights_address()
                                  : seg.sequence.input_address + std::uint64_t(seg.begin) * bytes_per_step;
      std::uint64_t bytes = std::uint64_t(seg.end - seg.begin) * bytes_per_step;
      while (bytes > 0) {
        const std::uint64_t n = burst(trans, false, address, bytes);
        sc_time delay = issue;
        mem->b_transport(trans, delay);
        if (trans.is_response_error()) {
          request_failed(
              seg.slot, seg.sequence.id,
              trans.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE ? regs::kErrAddress : regs::kErrDram);
          break;
        }
        last = std::max(last, delay);
        address += n;
        bytes -= n;
      }
    }
  qk.set(last);
  if (qk.need_sync()) qk.sync();
}

void Accelerator::decode_command(std::uint32_t steps, std::uint32_t layers_word, const std::uint32_t* mask_words,
                                 SlotEngine::Command& cmd) const {
  cmd.steps = steps;
  cmd.first_layer = int(layers_word & 0xff);
  cmd.last_layer = int((layers_word >> 8) & 0xff);
  cmd.slot_mask.assign(std::size_t(engine_.slots()), 0);
  for_each_set_bit(mask_words, cmd.slot_mask.size(), [&](std::size_t s) { cmd.slot_mask[s] = 1; });
}

void Accelerator::run_command(const SlotEngine::Command& cmd, LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk) {
  failed_ = false;
  stats_.commands++;
  const int layers = experiment_.network.num_layers;
  if (cmd.first_layer > cmd.last_layer || cmd.last_layer >= layers) {
    fail(regs::kErrBadCommand);
    return;
  }
  // Layer by layer; an autoregressive network's decoder layers step by step (SlotEngine::next_pass).
  SlotEngine::Cursor cursor;
  while (!failed_) {
    if (!pending_.empty()) admit_pushes(sc_core::sc_time_stamp() + qk.get_local_time());
    if (!engine_.next_pass(cmd, cursor, pass)) break;
    if (pass.empty()) continue;
    const int layer = pass.layer;
    stats_.passes++;
    for (const auto* dir : {&pass.forward, &pass.backward})
      for (const auto& seg : *dir) {
        stats_.step_slots_useful += double(seg.useful_steps);
        stats_.step_slots_padding += double(seg.end - seg.begin - seg.useful_steps);
      }
    if (tracing_) {
      qk.sync();
      current_layer.write(layer);
      window_index.write(stats_.commands);
    }
    const double pass_start = timeline_ ? now_s(qk) : 0.0;
    execute_pass(pass, qk);
    if (timeline_) {
      const std::int64_t rows = [&] {
        std::int64_t n = 0;
        for (const auto* dir : {&pass.forward, &pass.backward})
          for (const auto& seg : *dir) n += seg.end - seg.begin;
        return n;
      }();
      timeline_->complete("accelerator", "layer passes", "layer " + std::to_string(layer), pass_start, now_s(qk),
                          {{"window", std::to_string(stats_.commands)},
                           {"layer", std::to_string(layer)},
                           {"slot_steps", std::to_string(rows)},
                           {"lockstep_steps", std::to_string(std::max(pass.forward_span, pass.backward_span))}});
    }
    if (tracing_) {
      qk.sync();
      pass_steps.write(std::max(pass.forward_span, pass.backward_span));
      for (int s = 0; s < engine_.slots(); ++s) {
        const int last = layers - 1;
        slot_remaining[std::size_t(s)].write(engine_.queued(s) ? engine_.head_remaining(s, last) : 0);
        slot_sequence[std::size_t(s)].write(engine_.queued(s) ? engine_.head_id(s) : -1);
      }
    }
    if (functional_ && !failed_) {
      functional_->run_pass(pass);
      // Greedy decoding: a sequence whose token was EOS ends here (the completion reports its steps).
      for (const auto& end : functional_->take_ends()) engine_.end_sequence(end.slot, end.id, end.steps);
    }
    if (layer == layers - 1) {
      engine_.take_completions(completions_);
      if (!completions_.empty()) {
        qk.sync();
        for (auto& c : completions_) {
          if (functional_) functional_->finish_sequence(c);
          control_->push_done(c);
          if (timeline_)
            timeline_->instant("accelerator", "interrupts", "sequence done", now_s(qk),
                               {{"slot", std::to_string(c.slot)}, {"request", std::to_string(c.descriptor.id)}});
        }
        raise(regs::kIrqSeqDone);
      }
    }
  }
}

void Accelerator::end_command(tlm_utils::tlm_quantumkeeper& qk) {
  qk.sync();
  busy_ = false;
  commands_done.write(stats_.commands);
  if (tracing_) current_layer.write(-1);
  raise(regs::kIrqCmdDone);
}

void Accelerator::admit_doorbells(const sc_time& now) {
  while (!doorbells_.empty() && doorbells_.front().at <= now) {
    cq_tail_ = doorbells_.front().tail;
    doorbells_.pop_front();
  }
}

bool Accelerator::fetch_descriptors(tlm_utils::tlm_quantumkeeper& qk) {
  using namespace regs;
  admit_doorbells(sc_core::sc_time_stamp() + qk.get_local_time());
  const std::uint32_t n = cq_tail_ - cq_head_;
  if (n == 0) return false;
  const std::uint32_t cq_size = control_->cq_size();
  const std::uint64_t cq_base = control_->cq_base();
  if (cq_size == 0 || n > cq_size) {  // a doorbell past the ring's end
    fail(kErrBadCommand);
    cq_head_ = cq_tail_;
    return false;
  }
  // One read of the new descriptors, two when they wrap around the ring's end; the words
  // travel by debug transport beside the timed read, as functional values do.
  constexpr std::uint32_t kWords = kCmdDescriptorBytes / 4;
  fetched_.resize(std::size_t(n) * kWords);
  next_fetched_ = 0;
  tlm::tlm_generic_payload trans;
  for (std::uint32_t done = 0; done < n;) {
    const std::uint32_t entry = (cq_head_ + done) % cq_size;
    const std::uint32_t count = std::min(n - done, cq_size - entry);
    const std::uint64_t address = cq_base + std::uint64_t(entry) * kCmdDescriptorBytes;
    const unsigned bytes = count * kCmdDescriptorBytes;
    trans.set_command(tlm::TLM_READ_COMMAND);
    trans.set_address(address);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(fetched_.data() + std::size_t(done) * kWords));
    trans.set_data_length(bytes);
    trans.set_streaming_width(bytes);
    if (mem->transport_dbg(trans) != bytes) {
      fail(kErrAddress);
      cq_head_ = cq_tail_;
      return false;
    }
    if (!dram_transfer(false, address, bytes, qk)) {
      cq_head_ = cq_tail_;
      return false;
    }
    done += count;
  }
  return true;
}

void Accelerator::run_queue(LayerPass& pass, SlotEngine::Command& cmd, tlm_utils::tlm_quantumkeeper& qk) {
  using namespace regs;
  constexpr std::uint32_t kWords = kCmdDescriptorBytes / 4;
  busy_ = true;
  fetched_.clear();
  next_fetched_ = 0;
  while (!control_->error_code()) {
    if (next_fetched_ * kWords >= fetched_.size() && !fetch_descriptors(qk)) break;
    const std::uint32_t* d = fetched_.data() + next_fetched_ * kWords;
    ++next_fetched_;
    const bool irq = d[kCmdFlags / 4] & kCmdIrq;
    decode_command(d[kCmdDescSteps / 4], d[kCmdDescLayers / 4], d + kCmdDescMask0 / 4, cmd);
    run_command(cmd, pass, qk);
    ++cq_head_;
    admit_doorbells(sc_core::sc_time_stamp() + qk.get_local_time());
    const bool drained = cq_head_ == cq_tail_;
    if (irq || drained) {
      end_command(qk);
      if (drained) return;
      busy_ = true;
    } else if (qk.need_sync()) {
      qk.sync();
    }
  }
  end_command(qk);  // stopped by an error
}

void Accelerator::sequencer() {
  LazyQuantumKeeper& qk = keeper_;
  // Traced runs keep every synchronisation: a signal written ahead of kernel time (the DRAM's
  // traffic count) changes at the kernel time of the write, which skipping would move.
  qk.set_lazy(experiment_.simulation.lazy_sync && !tracing_);
  qk.reset();
  LayerPass pass;
  SlotEngine::Command cmd;  // reused: its mask keeps its storage between commands
  while (true) {
    if (!doorbells_.empty()) {
      // The ring was rung: from the doorbell's time on, run its descriptors.
      const sc_time now = sc_core::sc_time_stamp();
      if (doorbells_.front().at > now) wait(doorbells_.front().at - now);
      run_queue(pass, cmd, qk);
      continue;
    }
    wait(start_event_);  // notified by START and by the doorbell (one event: no or-list to build)
    if (start_pending_ && sc_core::sc_time_stamp() < start_at_) wait(start_at_ - sc_core::sc_time_stamp());
    if (!start_pending_) continue;
    start_pending_ = false;
    busy_ = true;
    std::uint32_t steps = 0, layers = 0;
    control_->command_words(steps, layers, mask_words_);
    decode_command(steps, layers, mask_words_, cmd);
    run_command(cmd, pass, qk);
    end_command(qk);
  }
}

}  // namespace ebatch
