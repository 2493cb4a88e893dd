// Units parsing: every accepted form and every kind of rejection.
#include <gtest/gtest.h>

#include "common/units.h"

using namespace ebatch::units;

TEST(Units, SizesDecimalAndBinary) {
  EXPECT_EQ(parse_size("2 MiB"), 2u * 1024 * 1024);
  EXPECT_EQ(parse_size("8KiB"), 8192u);
  EXPECT_EQ(parse_size("64 B"), 64u);
  EXPECT_EQ(parse_size("1.5 KiB"), 1536u);
  EXPECT_EQ(parse_size("2 MB"), 2000000u);
  EXPECT_EQ(parse_size(" 24 MiB "), 24u * 1048576);
  EXPECT_EQ(parse_size("1 GiB"), 1073741824u);
}

TEST(Units, FrequenciesTimesBandwidths) {
  EXPECT_DOUBLE_EQ(parse_frequency("500 MHz"), 500e6);
  EXPECT_DOUBLE_EQ(parse_frequency("0.7GHz"), 700e6);
  EXPECT_DOUBLE_EQ(parse_time("10 us"), 10e-6);
  EXPECT_DOUBLE_EQ(parse_time("1 ms"), 1e-3);
  EXPECT_DOUBLE_EQ(parse_time("100 ns"), 100e-9);
  EXPECT_DOUBLE_EQ(parse_time("0"), 0.0);  // a bare zero needs no unit
  EXPECT_DOUBLE_EQ(parse_bandwidth("34 GB/s"), 34e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("25.6 GB/s"), 25.6e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("8 Gbit/s"), 1e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1 GiB/s"), 1073741824.0);
}

TEST(Units, EnergyPowerRate) {
  EXPECT_DOUBLE_EQ(parse_energy("0.75 pJ"), 0.75e-12);
  EXPECT_DOUBLE_EQ(parse_energy("1.3 nJ"), 1.3e-9);
  EXPECT_DOUBLE_EQ(parse_power("5 mW"), 5e-3);
  EXPECT_DOUBLE_EQ(parse_power("0"), 0.0);
  EXPECT_DOUBLE_EQ(parse_rate("200/s"), 200.0);
  EXPECT_DOUBLE_EQ(parse_rate("200 /s"), 200.0);
  EXPECT_DOUBLE_EQ(parse_rate("2/ms"), 2000.0);
  EXPECT_DOUBLE_EQ(parse_rate("50 Hz"), 50.0);
}

TEST(Units, RejectsMissingUnknownAndBadNumbers) {
  EXPECT_THROW(parse_frequency("500"), UnitError);
  EXPECT_THROW(parse_frequency("500 Mhz"), UnitError);
  EXPECT_THROW(parse_size("2 MiBs"), UnitError);
  EXPECT_THROW(parse_size("abc"), UnitError);
  EXPECT_THROW(parse_size(""), UnitError);
  EXPECT_THROW(parse_size("-1 KiB"), UnitError);
  EXPECT_THROW(parse_size("0.5 B"), UnitError);  // not a whole number of bytes
  EXPECT_THROW(parse_time("10"), UnitError);
  EXPECT_THROW(parse_time("inf s"), UnitError);
  EXPECT_THROW(parse_bandwidth("34 GB"), UnitError);
  EXPECT_THROW(parse_energy("3 pW"), UnitError);
}

TEST(Units, MessagesSayWhatIsWrong) {
  try {
    parse_frequency("500 Mhz");
    FAIL();
  } catch (const UnitError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown unit 'Mhz'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MHz"), std::string::npos) << e.what();
  }
  try {
    parse_size("2");
    FAIL();
  } catch (const UnitError& e) {
    EXPECT_NE(std::string(e.what()).find("has no unit"), std::string::npos) << e.what();
  }
}

TEST(Units, FormatsReadably) {
  EXPECT_EQ(format_size(2.0 * 1048576), "2 MiB");
  EXPECT_EQ(format_frequency(500e6), "500 MHz");
  EXPECT_EQ(format_time(12.5e-6), "12.5 us");
  EXPECT_EQ(format_bandwidth(34e9), "34 GB/s");
  EXPECT_EQ(format_energy(1.5e-9), "1.5 nJ");
}

// Issue 17: strtod reads 0x.. as hexadecimal; configs never mean that.
TEST(Units, HexadecimalNumbersAreRefused) {
  EXPECT_THROW(parse_size("0x10 MiB"), UnitError);
  EXPECT_THROW(parse_frequency("0x1p30 Hz"), UnitError);
  EXPECT_THROW(parse_time(" -0X1 s"), UnitError);
  EXPECT_TRUE(is_hex_number("0x1"));
  EXPECT_FALSE(is_hex_number("10 MiB"));
  EXPECT_EQ(parse_size("0 B"), 0u);
}
