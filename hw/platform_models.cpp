#include "hw/platform_models.h"

namespace ebatch {

PlatformModelsRegistrar::PlatformModelsRegistrar(const PlatformModels& models) {
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
