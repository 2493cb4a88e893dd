#include "common/platform.h"

#include <stdexcept>

namespace ebatch {

PlatformSpecRegistrar::PlatformSpecRegistrar(const PlatformSpec& spec) {
  for (const PlatformSpec* other : PlatformRegistry::instance().all())
    if (other->register_id == spec.register_id)
      throw std::logic_error("platforms '" + other->name + "' and '" + spec.name + "' share register id " +
                             std::to_string(spec.register_id));
  PlatformRegistry::instance().add(&spec);
}

}  // namespace ebatch
