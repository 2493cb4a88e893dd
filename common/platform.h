// The accelerator platforms the simulator models.
#pragma once

namespace ebatch {

enum class Platform { epur, tpu };

inline const char* to_string(Platform p) { return p == Platform::epur ? "epur" : "tpu"; }

}  // namespace ebatch
