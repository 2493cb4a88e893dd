// One libFuzzer binary per entry point of fuzz_entries.h, chosen at compile time by
// EBATCH_FUZZ_TARGET (an index into ebatch::fuzz::targets()).
#include <cstddef>
#include <cstdint>
#include <systemc>

#include "tests/fuzz/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ebatch::fuzz::targets().at(EBATCH_FUZZ_TARGET).run(data, size);
  return 0;
}

// libsystemc.so (linked through the libraries) wants sc_main; libFuzzer provides main().
int sc_main(int, char*[]) { return 0; }
