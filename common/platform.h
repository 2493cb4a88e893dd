// The accelerator platforms the simulator models, as a registry.
//
// A platform is one folder, hw/<platform>/, whose <platform>_platform.cpp registers
// a PlatformSpec (its name, the hardware.precision values it supports, the energy
// vocabulary its model counts, the parse-and-check of its own keys of the hardware
// section) together with the factories of its hw objects (hw/platform_models.h).
// The loader (common/experiment.cpp) parses `hardware.platform` once into a Platform
// (a pointer to the registered spec) and never names a platform itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/registry.h"

namespace ebatch {

class ConfigSection;
struct HardwareConfig;
struct NetworkSpec;

// Components and their actions that a platform's model counts.
struct VocabularyEntry {
  std::string component;
  std::vector<std::string> actions;
  std::string meaning;  // one line for docs and error messages
};

struct PlatformSpec {
  std::string name;                     // the value of hardware.platform
  int order = 0;                        // position in listings ("is not one of ...")
  std::uint32_t register_id = 0;        // the ID register's platform field (hw/register_map.h); unique
  std::vector<std::string> precisions;  // allowed hardware.precision; the first is the default
  std::vector<VocabularyEntry> energy_vocabulary;
  // Reads the platform's own keys of the hardware section (the loader reads name,
  // source, frequency, precision and dram) into its own config type.
  std::function<std::unique_ptr<ConfigExtension>(const ConfigSection& hardware)> parse;
  // Checks that the network fits the hardware; fails on a key of the hardware section.
  std::function<void(const HardwareConfig& hw, const NetworkSpec& net, const ConfigSection& hardware)> check;
};

// A parsed hardware.platform: the registered spec (never null in a loaded config).
using Platform = const PlatformSpec*;
using PlatformRegistry = Registry<PlatformSpec>;

inline const char* to_string(Platform p) { return p ? p->name.c_str() : "?"; }
// The registered platform called `name`; throws std::logic_error if there is none.
inline Platform platform_named(const std::string& name) { return &PlatformRegistry::instance().get(name); }

// Registers a platform's spec from a static object in hw/<platform>/<platform>_spec.cpp;
// throws std::logic_error when its name or register id is taken.
struct PlatformSpecRegistrar {
  explicit PlatformSpecRegistrar(const PlatformSpec& spec);
};

}  // namespace ebatch
