// Invariant checks compiled into test and Debug builds (EBATCH_CHECKS) and out of
// Release builds: EBATCH_INVARIANT(condition, message) throws std::logic_error naming
// the file and line when the condition is false. `message` is any expression that
// converts to std::string; it is evaluated only on failure.
#pragma once

#include <stdexcept>
#include <string>

#ifdef EBATCH_CHECKS
#define EBATCH_INVARIANT(condition, message)                                                                     \
  do {                                                                                                           \
    if (!(condition))                                                                                            \
      throw std::logic_error(std::string("invariant violated at ") + __FILE__ + ":" + std::to_string(__LINE__) + \
                             ": " + std::string(message));                                                       \
  } while (false)
#else
#define EBATCH_INVARIANT(condition, message) \
  do {                                       \
  } while (false)
#endif
