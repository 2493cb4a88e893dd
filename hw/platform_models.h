// The hw side of a registered platform: factories of its accelerator (the SystemC
// shell) and of its untimed pass estimator (used by the window tuner).
//
// A platform registers both halves from hw/<platform>/<platform>_platform.cpp with
// one PlatformRegistrar object:
//   const PlatformRegistrar kRegistrar{kSpec, kModels};
// The registrar is a static object in the ebatch_hw archive, which the layers above
// link whole (runtime/CMakeLists.txt: WHOLE_ARCHIVE), so it is never dropped.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/experiment.h"
#include "common/platform.h"
#include "hw/accelerator.h"
#include "hw/energy_counters.h"
#include "hw/pass_estimator.h"

namespace ebatch {

struct PlatformModels {
  std::string name;  // the PlatformSpec's name
  int order = 0;
  std::function<std::unique_ptr<Accelerator>(const char* name, const Experiment& e, EnergyCounters& energy, int slots,
                                             int queue_depth)>
      accelerator;
  std::function<std::unique_ptr<PassEstimator>(const HardwareConfig& hw, const NetworkSpec& net,
                                               const EnergyTable& table)>
      estimator;
};

using PlatformModelRegistry = Registry<PlatformModels>;

// The models of a platform whose accelerator A and estimator E take the usual arguments.
template <class A, class E>
PlatformModels platform_models_of(const std::string& name, int order) {
  return {
      name, order,
      [](const char* module, const Experiment& e, EnergyCounters& energy, int slots,
         int depth) -> std::unique_ptr<Accelerator> { return std::make_unique<A>(module, e, energy, slots, depth); },
      [](const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table) -> std::unique_ptr<PassEstimator> {
        return std::make_unique<E>(hw, net, table);
      }};
}

struct PlatformRegistrar {
  PlatformRegistrar(const PlatformSpec& spec, const PlatformModels& models);
};

// The models of a loaded config's platform.
const PlatformModels& platform_models(Platform platform);
std::unique_ptr<Accelerator> make_accelerator(const char* name, const Experiment& e, EnergyCounters& energy, int slots,
                                              int queue_depth);
std::unique_ptr<PassEstimator> make_estimator(const Experiment& e);

}  // namespace ebatch
