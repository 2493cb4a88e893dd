// The hw side of a registered platform: factories of its accelerator (the SystemC
// shell) and of its untimed pass estimator (used by the window tuner).
//
// A platform registers its configuration spec (common/platform.h) from
// hw/<platform>/<platform>_spec.cpp, which goes to the ebatch_platform_specs library (it
// uses common/ only, so any program that loads configs can link it), and its models from
// hw/<platform>/<platform>_platform.cpp in ebatch_hw:
//   const PlatformSpecRegistrar kSpecRegistrar{kSpec};                              // _spec.cpp
//   const PlatformModels kModels = platform_models_of<A, E>("name", order);              // _platform.cpp
//   const PlatformModelsRegistrar kModelsRegistrar{kModels};
// (The registries keep pointers: specs and models must be static objects, not temporaries.)
// The registrars are static objects; the programs link those archives whole
// (tb/CMakeLists.txt: WHOLE_ARCHIVE), so the linker never drops them.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/experiment.h"
#include "common/platform.h"
#include "hw/accelerator.h"
#include "hw/contract/pass_estimator.h"
#include "hw/energy_counters.h"

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

// Registers a platform's models from a static object in hw/<platform>/<platform>_platform.cpp,
// under the name of its spec (hw/<platform>/<platform>_spec.cpp).
struct PlatformModelsRegistrar {
  explicit PlatformModelsRegistrar(const PlatformModels& models);
};

// The models of a loaded config's platform.
const PlatformModels& platform_models(Platform platform);
std::unique_ptr<Accelerator> make_accelerator(const char* name, const Experiment& e, EnergyCounters& energy, int slots,
                                              int queue_depth);
std::unique_ptr<PassEstimator> make_estimator(const Experiment& e);

}  // namespace ebatch
