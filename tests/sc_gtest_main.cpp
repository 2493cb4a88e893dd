// libsystemc.so defines main(); it calls this sc_main, which runs the tests.
// Each test runs in its own process (gtest_discover_tests), since SystemC
// elaborates once.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
