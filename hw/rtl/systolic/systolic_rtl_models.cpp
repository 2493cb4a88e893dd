// The verilated sizes of the systolic array behind SystolicRtl: one verilated class per size
// (ports are sc_bv<> of widths that depend on ROWS and COLS, --pins-bv 2).
#include <verilated.h>
#include <verilated_vcd_sc.h>

#include <climits>
#include <stdexcept>

#include "Vebatch_systolic_16x16.h"
#include "Vebatch_systolic_4x4.h"
#include "Vebatch_systolic_8x8.h"
#include "hw/rtl/systolic/systolic_rtl.h"

namespace ebatch::rtl {
namespace {

template <class V, int R, int C>
class SystolicRtlModel final : public SystolicRtl {
 public:
  explicit SystolicRtlModel(sc_core::sc_module_name name) : SystolicRtl(name, R, C), model_("array") {
    model_.clk(clk_);
    model_.rst_n(rst_n_);
    model_.w_shift(w_shift_);
    model_.w_row(w_row_);
    model_.w_swap(w_swap_);
    model_.x_valid(x_valid_);
    model_.x_last(x_last_);
    model_.x_row(x_row_);
    model_.y_valid(y_valid_);
    model_.y_last(y_last_);
    model_.y_row(y_row_);
    model_.busy(busy_);
    model_.shadow_full(shadow_full_);
  }
  ~SystolicRtlModel() override {
    if (vcd_) vcd_->close();
  }

  void trace(const std::string& path) override {
    Verilated::traceEverOn(true);
    if (sc_core::sc_get_status() == sc_core::SC_ELABORATION) sc_core::sc_start(sc_core::SC_ZERO_TIME);
    vcd_ = std::make_unique<VerilatedVcdSc>();
    model_.trace(vcd_.get(), 99);
    vcd_->open(path.c_str());
    if (!vcd_->isOpen()) throw std::runtime_error("cannot write " + path);
  }

 private:
  template <int W>
  static sc_dt::sc_bv<W> pack(const std::vector<std::int8_t>& v, int n) {
    sc_dt::sc_bv<W> bv;  // byte j in bits [8j+7:8j], four bytes per 32-bit word
    for (int word = 0; word * 4 < n; ++word) {
      sc_dt::sc_digit d = 0;
      for (int b = 0; b < 4 && word * 4 + b < n; ++b) {
        const std::size_t i = std::size_t(word * 4 + b);
        d |= sc_dt::sc_digit(std::uint8_t(i < v.size() ? v[i] : 0)) << (8 * b);
      }
      bv.set_word(word, d);
    }
    return bv;
  }
  void drive(const PinsIn& in) override {
    rst_n_.write(!in.reset);
    w_shift_.write(in.w_shift);
    w_swap_.write(in.w_swap);
    x_valid_.write(in.x_valid);
    x_last_.write(in.x_last);
    w_row_.write(pack<C * 8>(in.w_row, C));
    x_row_.write(pack<R * 8>(in.x_row, R));
  }
  void sample(PinsOut& out) override {
    out.y_valid = y_valid_.read();
    out.y_last = y_last_.read();
    out.busy = busy_.read();
    out.shadow_full = shadow_full_.read();
    const sc_dt::sc_bv<C* 32>& y = y_row_.read();
    out.y_row.resize(C);
    for (int j = 0; j < C; ++j) out.y_row[std::size_t(j)] = std::int32_t(std::uint32_t(y.get_word(j)));
  }

  V model_;
  sc_core::sc_signal<sc_dt::sc_bv<C * 8>> w_row_{"w_row"};
  sc_core::sc_signal<sc_dt::sc_bv<R * 8>> x_row_{"x_row"};
  sc_core::sc_signal<sc_dt::sc_bv<C * 32>> y_row_{"y_row"};
  std::unique_ptr<VerilatedVcdSc> vcd_;
};

// Assertion failures are counted, not fatal (a negative test provokes them on purpose).
void count_assertion_failures() {
  static const bool once = [] {
    Verilated::defaultContextp()->errorLimit(INT_MAX);
    return true;
  }();
  (void)once;
}

}  // namespace

std::uint64_t SystolicRtl::assertion_failures() { return std::uint64_t(Verilated::defaultContextp()->errorCount()); }

std::vector<std::pair<int, int>> systolic_rtl_sizes() { return {{4, 4}, {8, 8}, {16, 16}}; }

std::unique_ptr<SystolicRtl> make_systolic_rtl(const char* name, int rows, int cols) {
  count_assertion_failures();
  if (rows == 4 && cols == 4) return std::make_unique<SystolicRtlModel<Vebatch_systolic_4x4, 4, 4>>(name);
  if (rows == 8 && cols == 8) return std::make_unique<SystolicRtlModel<Vebatch_systolic_8x8, 8, 8>>(name);
  if (rows == 16 && cols == 16) return std::make_unique<SystolicRtlModel<Vebatch_systolic_16x16, 16, 16>>(name);
  return nullptr;
}

}  // namespace ebatch::rtl
