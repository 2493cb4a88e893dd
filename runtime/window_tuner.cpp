#include "runtime/window_tuner.h"

#include <algorithm>
#include <cstdio>
#include <deque>

#include "common/units.h"
#include "hw/contract/slot_engine.h"
#include "runtime/policy.h"

namespace ebatch {

std::vector<Request> pilot_requests(const std::vector<Request>& all, std::size_t max_requests) {
  return std::vector<Request>(all.begin(), all.begin() + std::ptrdiff_t(std::min(all.size(), max_requests)));
}

TunerPoint estimate_window(const Experiment& e, const std::vector<Request>& requests, int n, PassEstimator& est,
                           const volatile std::sig_atomic_t* stop) {
  est.reset();
  EbatchPolicy policy(e.network, e.policy, n, "");
  SlotEngine engine(e.network, policy.slots(), policy.queue_depth());
  std::deque<Request> waiting;
  std::vector<int> queued(std::size_t(policy.slots()), 0);
  std::vector<double> latencies;
  std::size_t next = 0, done = 0;
  double t = 0, dynamic_j = 0;
  LayerPass pass;
  const double reaction = e.policy.host_reaction_latency_s;
  std::vector<double> arrival_of;  // by request index
  std::vector<std::int64_t> ids;
  while (done < requests.size() && !(stop && *stop)) {
    while (next < requests.size() && requests[next].arrival_s <= t) waiting.push_back(requests[next++]);
    RuntimeView view;
    view.now_s = t;
    view.waiting = &waiting;
    view.queued = queued;
    view.more_arrivals = next < requests.size();
    for (const auto& p : policy.place(view)) {
      const Request r = waiting[p.waiting_index];
      waiting.erase(waiting.begin() + std::ptrdiff_t(p.waiting_index));
      SequenceDescriptor d;
      d.id = r.id;
      d.length = r.length;  // a decoder's maximum: the host's view, as the tuner runs on the host
      d.padded_length = p.padded_length;
      d.source_length = r.source_length;
      d.source_padded = p.padded_source > 0 ? p.padded_source : r.source_length;
      d.run_to_padded = p.run_to_padded;
      engine.enqueue(p.slot, d);
      queued[std::size_t(p.slot)]++;
      arrival_of.push_back(r.arrival_s);
      ids.push_back(r.id);
      view.queued = queued;
    }
    const auto cmd = policy.next_command(view);
    if (!cmd) {
      if (next >= requests.size()) break;  // nothing can run: stop (does not happen for E-BATCH)
      t = std::max(t, requests[next].arrival_s);
      continue;
    }
    SlotEngine::Command c{cmd->slot_mask, cmd->steps, cmd->first_layer, cmd->last_layer};
    for (SlotEngine::Cursor cursor; engine.next_pass(c, cursor, pass);) {
      if (pass.empty()) continue;
      const PassEstimate pe = est.estimate(pass);
      t += pe.seconds;
      dynamic_j += pe.dynamic_joules;
    }
    for (const auto& comp : engine.take_completions()) {
      queued[std::size_t(comp.slot)]--;
      const auto it = std::find(ids.begin(), ids.end(), comp.descriptor.id);
      latencies.push_back(t + reaction - arrival_of[std::size_t(it - ids.begin())]);
      ++done;
    }
  }
  TunerPoint p;
  p.window = n;
  p.makespan_s = t;
  const double total_j = dynamic_j + est.leakage_watts() * t;
  p.energy_per_sequence_j = done ? total_j / double(done) : 0;
  p.throughput_per_s = t > 0 ? double(done) / t : 0;
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    double sum = 0;
    for (double l : latencies) sum += l;
    p.mean_latency_s = sum / double(latencies.size());
    p.p99_latency_s = latencies[std::min(latencies.size() - 1, std::size_t(0.99 * double(latencies.size())))];
  }
  return p;
}

TunerChoice tune_window(const Experiment& e, const std::vector<Request>& pilot, PassEstimator& est,
                        const volatile std::sig_atomic_t* stop) {
  TunerChoice choice;
  std::string misfit;   // the first candidate that does not fit on chip (hardware.spill: reject)
  std::string skipped;  // every such candidate
  for (int n : e.policy.tuner.candidates) {
    TunerPoint p;
    try {
      p = estimate_window(e, pilot, n, est, stop);
    } catch (const CapacityError& error) {
      if (misfit.empty()) misfit = std::string("N=") + std::to_string(n) + ": " + error.what();
      skipped += (skipped.empty() ? "" : ", ") + std::to_string(n);
      continue;
    }
    if (stop && *stop) {
      choice.points.clear();
      choice.window = e.policy.tuner.candidates.front();
      choice.reason = "tuner interrupted by a signal; window not tuned";
      return choice;
    }
    choice.points.push_back(p);
  }
  if (choice.points.empty())
    throw CapacityError(e.source_file +
                        ": policy.tuner.candidates: no window fits on chip under hardware.spill: reject (" + misfit +
                        ")");
  const auto& pts = choice.points;
  const auto lowest_energy = *std::min_element(pts.begin(), pts.end(), [](const TunerPoint& a, const TunerPoint& b) {
    return a.energy_per_sequence_j < b.energy_per_sequence_j;
  });
  char buf[256];
  if (e.policy.tuner.objective == TunerObjective::knee) {
    for (const auto& p : pts) {
      if (p.energy_per_sequence_j <= 1.05 * lowest_energy.energy_per_sequence_j) {
        if (choice.window == 0 || p.window < choice.window) choice.window = p.window;
      }
    }
    const auto& c =
        *std::find_if(pts.begin(), pts.end(), [&](const TunerPoint& p) { return p.window == choice.window; });
    std::snprintf(buf, sizeof buf,
                  "knee: smallest window within 5%% of the lowest energy per sequence (%s at N=%d); "
                  "estimated %s per sequence, p99 latency %s",
                  units::format_energy(lowest_energy.energy_per_sequence_j).c_str(), lowest_energy.window,
                  units::format_energy(c.energy_per_sequence_j).c_str(), units::format_time(c.p99_latency_s).c_str());
  } else {
    const double target = e.policy.tuner.latency_target_s;
    const TunerPoint* best = nullptr;
    for (const auto& p : pts)
      if ((target <= 0 || p.p99_latency_s <= target) &&
          (!best || p.energy_per_sequence_j < best->energy_per_sequence_j))
        best = &p;
    if (best) {
      choice.window = best->window;
      std::snprintf(
          buf, sizeof buf, "lowest estimated energy per sequence (%s)%s%s; p99 latency %s",
          units::format_energy(best->energy_per_sequence_j).c_str(), target > 0 ? " under the p99 latency target " : "",
          target > 0 ? units::format_time(target).c_str() : "", units::format_time(best->p99_latency_s).c_str());
    } else {
      best = &*std::min_element(pts.begin(), pts.end(), [](const TunerPoint& a, const TunerPoint& b) {
        return a.p99_latency_s < b.p99_latency_s;
      });
      choice.window = best->window;
      std::snprintf(buf, sizeof buf, "no window meets the p99 latency target %s; lowest p99 latency %s",
                    units::format_time(target).c_str(), units::format_time(best->p99_latency_s).c_str());
    }
  }
  choice.reason = std::string("tuner on ") + std::to_string(pilot.size()) + " pilot requests, " + buf;
  if (!skipped.empty())
    choice.reason += "; windows that do not fit on chip skipped (hardware.spill: reject): " + skipped;
  return choice;
}

}  // namespace ebatch
