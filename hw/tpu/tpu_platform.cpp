// The TPU platform's models: the factories of its accelerator and estimator, registered
// beside its configuration spec (hw/tpu/tpu_spec.cpp) under the same name.
#include "hw/platform_models.h"
#include "hw/tpu/tpu_accelerator.h"
#include "hw/tpu/tpu_plan.h"

namespace ebatch {
namespace {

const PlatformModels kModels = platform_models_of<TpuAccelerator, TpuEstimator>("tpu", 1);
const PlatformModelsRegistrar kModelsRegistrar{kModels};

}  // namespace
}  // namespace ebatch
