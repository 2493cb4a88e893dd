#include "hw/platform_models.h"

namespace ebatch {

PlatformRegistrar::PlatformRegistrar(const PlatformSpec& spec, const PlatformModels& models) {
  if (spec.name != models.name)
    throw std::logic_error("platform '" + spec.name + "': models named '" + models.name + "'");
  for (const PlatformSpec* other : PlatformRegistry::instance().all())
    if (other->register_id == spec.register_id)
      throw std::logic_error("platforms '" + other->name + "' and '" + spec.name + "' share register id " +
                             std::to_string(spec.register_id));
  PlatformRegistry::instance().add(&spec);
  PlatformModelRegistry::instance().add(&models);
}

const PlatformModels& platform_models(Platform platform) {
  return PlatformModelRegistry::instance().get(to_string(platform));
}

std::unique_ptr<Accelerator> make_accelerator(const char* name, const Experiment& e, EnergyCounters& energy, int slots,
                                              int queue_depth) {
  return platform_models(e.hardware.platform).accelerator(name, e, energy, slots, queue_depth);
}

std::unique_ptr<PassEstimator> make_estimator(const Experiment& e) {
  return platform_models(e.hardware.platform).estimator(e.hardware, e.network, e.energy);
}

}  // namespace ebatch
