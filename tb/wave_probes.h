// Signals that exist only to make a waveform readable; built only when tracing, they
// read the model's signals and drive nothing the model reads (stats.json is unchanged).
#pragma once

#include <cstdint>
#include <systemc>

namespace ebatch {

// The number of interrupts raised so far (rising edges of the interrupt line). The line
// itself is high only from a completion until the host acknowledges it (the host reaction
// latency, microseconds in a run of seconds), so at full zoom its pulses are thinner than
// a pixel; each change of this counter is drawn at any zoom, with its value.
class InterruptCounter : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> irq;
  sc_core::sc_signal<std::uint64_t> count;

  explicit InterruptCounter(const sc_core::sc_module_name& name)
      : sc_core::sc_module(name), irq("irq"), count("count") {
    SC_HAS_PROCESS(InterruptCounter);
    SC_METHOD(on_rise);
    sensitive << irq.pos();
    dont_initialize();
  }

 private:
  void on_rise() { count.write(count.read() + 1); }
};

}  // namespace ebatch
