// The E-PUR platform's models: the factories of its accelerator and estimator, registered
// beside its configuration spec (hw/epur/epur_spec.cpp) under the same name.
#include "hw/epur/epur_accelerator.h"
#include "hw/epur/epur_plan.h"
#include "hw/platform_models.h"

namespace ebatch {
namespace {

const PlatformModels kModels = platform_models_of<EpurAccelerator, EpurEstimator>("epur", 0);
const PlatformModelsRegistrar kModelsRegistrar{kModels};

}  // namespace
}  // namespace ebatch
