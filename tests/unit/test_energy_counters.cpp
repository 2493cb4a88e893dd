// EnergyCounters (hw/energy_counters.h) against a hand-built EnergyTable.
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/energy_table.h"
#include "hw/energy_counters.h"

namespace ebatch {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

EnergyTable hand_table() {
  EnergyTable t;
  t.name = "hand";
  EnergyComponent sram;
  sram.action_j["read_byte"] = 3e-12;
  sram.action_j["write_byte"] = 5e-12;
  sram.leakage_w = 1e-3;
  sram.leakage_w_per_mib = 2e-3;
  EnergyComponent alu;
  alu.action_j["mac"] = 0.75e-12;
  alu.leakage_w = 4e-3;
  EnergyComponent idle;  // never counted: leakage only
  idle.action_j["poke"] = 1e-9;
  idle.leakage_w = 0.5e-3;
  idle.leakage_w_per_mib = 1e-3;
  t.components["sram"] = sram;
  t.components["alu"] = alu;
  t.components["idle"] = idle;
  return t;
}

TEST(EnergyCounters, ActionIdsAreStableAndCountsAccumulate) {
  EnergyCounters c;
  const auto r = c.action("sram", "read_byte");
  const auto w = c.action("sram", "write_byte");
  EXPECT_NE(r, w);
  EXPECT_EQ(c.action("sram", "read_byte"), r);
  c.add(r, 10);
  c.add(r, 2.5);
  c.add(w, 7);
  EXPECT_DOUBLE_EQ(c.count("sram", "read_byte"), 12.5);
  EXPECT_DOUBLE_EQ(c.count("sram", "write_byte"), 7);
  EXPECT_DOUBLE_EQ(c.count("sram", "nothing"), 0);
  EXPECT_DOUBLE_EQ(c.count("alu", "read_byte"), 0);
}

TEST(EnergyCounters, EnergyIsCountsTimesTablePlusLeakageTimesTime) {
  const EnergyTable t = hand_table();
  EnergyCounters c;
  const auto r = c.action("sram", "read_byte");
  const auto w = c.action("sram", "write_byte");
  const auto mac = c.action("alu", "mac");
  c.add(r, 1000);
  c.add(w, 300);
  c.add(mac, 4096);
  c.add(mac, 4);
  const double capacity = 3.5 * kMiB, idle_capacity = 0.25 * kMiB;
  c.set_capacity("sram", capacity);
  c.set_capacity("idle", idle_capacity);
  const double seconds = 2e-3;
  const auto rep = c.report(t, seconds);

  ASSERT_EQ(rep.components.size(), 3u);
  const auto& sram = rep.components.at("sram");
  EXPECT_DOUBLE_EQ(sram.action_counts.at("read_byte"), 1000);
  EXPECT_DOUBLE_EQ(sram.action_counts.at("write_byte"), 300);
  EXPECT_DOUBLE_EQ(sram.action_j.at("read_byte"), 1000 * 3e-12);
  EXPECT_DOUBLE_EQ(sram.action_j.at("write_byte"), 300 * 5e-12);
  EXPECT_DOUBLE_EQ(sram.dynamic_j, 1000 * 3e-12 + 300 * 5e-12);
  EXPECT_DOUBLE_EQ(sram.leakage_j, (1e-3 + 2e-3 * 3.5) * seconds);
  EXPECT_DOUBLE_EQ(sram.total_j(), sram.dynamic_j + sram.leakage_j);

  const auto& alu = rep.components.at("alu");
  EXPECT_DOUBLE_EQ(alu.action_counts.at("mac"), 4100);
  EXPECT_DOUBLE_EQ(alu.dynamic_j, 4100 * 0.75e-12);
  EXPECT_DOUBLE_EQ(alu.leakage_j, 4e-3 * seconds) << "no capacity set: fixed leakage only";

  const auto& idle = rep.components.at("idle");
  EXPECT_DOUBLE_EQ(idle.dynamic_j, 0);
  EXPECT_TRUE(idle.action_counts.empty());
  EXPECT_DOUBLE_EQ(idle.leakage_j, (0.5e-3 + 1e-3 * 0.25) * seconds);

  double dyn = 0, leak = 0, total = 0;
  for (const auto& [name, ce] : rep.components) {
    dyn += ce.dynamic_j;
    leak += ce.leakage_j;
    total += ce.total_j();
  }
  EXPECT_DOUBLE_EQ(rep.dynamic_j, dyn);
  EXPECT_DOUBLE_EQ(rep.leakage_j, leak);
  EXPECT_DOUBLE_EQ(rep.total_j(), total);
  EXPECT_DOUBLE_EQ(rep.total_j(), 1000 * 3e-12 + 300 * 5e-12 + 4100 * 0.75e-12 +
                                      ((1e-3 + 2e-3 * 3.5) + 4e-3 + (0.5e-3 + 1e-3 * 0.25)) * seconds);
}

TEST(EnergyCounters, ZeroTimeMeansNoLeakageAndNoCountsNoDynamic) {
  const EnergyTable t = hand_table();
  EnergyCounters c;
  c.set_capacity("sram", kMiB);
  auto rep = c.report(t, 0);
  EXPECT_DOUBLE_EQ(rep.total_j(), 0);
  rep = c.report(t, 1.0);
  EXPECT_DOUBLE_EQ(rep.dynamic_j, 0);
  EXPECT_DOUBLE_EQ(rep.leakage_j, (1e-3 + 2e-3) + 4e-3 + 0.5e-3);
}

TEST(EnergyCounters, ActionMissingFromTheTableThrows) {
  const EnergyTable t = hand_table();
  EnergyCounters c;
  c.add(c.action("sram", "erase_byte"), 1);
  EXPECT_THROW(c.report(t, 1.0), std::out_of_range);
  EnergyCounters d;
  d.add(d.action("dram", "read_byte"), 1);
  EXPECT_THROW(d.report(t, 1.0), std::out_of_range) << "a component missing from the table";
  // Registered but never counted is still a name the table must know.
  EnergyCounters e;
  e.action("alu", "divide");
  EXPECT_THROW(e.report(t, 1.0), std::out_of_range);
}

TEST(EnergyCounters, EveryEpurVocabularyActionIsPriced) {
  // Every action of the E-PUR vocabulary priced: counting them all reports without throwing.
  EnergyTable t;
  for (const auto& entry : energy_vocabulary(platform_named("epur"))) {
    EnergyComponent comp;
    for (const auto& a : entry.actions) comp.action_j[a] = 1e-12;
    t.components[entry.component] = comp;
  }
  EnergyCounters c;
  double n = 0;
  for (const auto& entry : energy_vocabulary(platform_named("epur")))
    for (const auto& a : entry.actions) {
      c.add(c.action(entry.component, a), 2);
      n += 2;
    }
  const auto rep = c.report(t, 0.0);
  EXPECT_DOUBLE_EQ(rep.dynamic_j, n * 1e-12);
}

}  // namespace
}  // namespace ebatch
