// Strict, self-describing reading of YAML config trees.
//
// A ConfigSection wraps one YAML mapping together with its dotted key path and
// the file it came from. Every getter checks the type and range of one key and
// records that the key was read; finish() rejects keys nobody read (misspelt or
// unknown), suggesting the nearest known key. Errors are ConfigError with one
// message "FILE:LINE: key 'a.b.c': REASON". Defaults that a getter applies are
// written back into the tree, so emitting the tree gives the fully resolved
// config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/enum_table.h"
#include "common/errors.h"

namespace ebatch {

class ConfigError : public InputError {
 public:
  using InputError::InputError;
};

// Which file (or command-line override) each part of a merged tree came from.
class ConfigOrigins {
 public:
  void add(const std::string& key_prefix, const std::string& origin, bool is_file);
  // The longest registered prefix of `key_path`: {origin, is_file}.
  std::pair<std::string, bool> lookup(const std::string& key_path) const;

 private:
  struct Entry {
    std::string prefix, origin;
    bool is_file;
  };
  std::vector<Entry> entries_;
};

// "FILE:LINE: key 'path': reason" for a node (line from its YAML mark if any).
std::string config_message(const ConfigOrigins& origins, const std::string& key_path, const YAML::Node& node,
                           const std::string& reason);

// Loads a YAML file (a regular file of at most kMaxTextInputBytes, common/input_file.h);
// malformed YAML, missing files and duplicate keys become ConfigError naming the file and line.
YAML::Node load_yaml_file(const std::string& path);
// Parses YAML text (`where` names it in messages) the same way. Aliases are expanded in a
// count before any node tree is built: a document that would exceed kMaxYamlNodes nodes or
// kMaxYamlBytes of scalar text with its aliases expanded (an "alias bomb") is refused.
inline constexpr std::uint64_t kMaxYamlNodes = 1000000;
inline constexpr std::uint64_t kMaxYamlBytes = 64ull << 20;
YAML::Node parse_yaml_text(const std::string& text, const std::string& where);
// The alias count alone (ConfigError if over the limits; YAML::Exception if malformed).
void check_yaml_alias_budget(const std::string& text, const std::string& where);
// Rejects duplicate keys anywhere below `node` (yaml-cpp silently keeps both).
void check_duplicate_keys(const YAML::Node& node, const std::string& file);

// Closest candidate by edit distance, or "" if none is close.
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

class ConfigSection {
 public:
  ConfigSection(const YAML::Node& node, std::string key_path, std::shared_ptr<const ConfigOrigins> origins);

  const std::string& path() const { return path_; }
  YAML::Node node() const { return node_; }
  bool has(const std::string& key) const;
  std::string key_path(const std::string& key) const;

  ConfigSection section(const std::string& key) const;  // required mapping
  std::optional<ConfigSection> optional_section(const std::string& key) const;

  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  std::string choice(const std::string& key, std::initializer_list<const char*> options) const;
  std::string choice(const std::string& key, std::initializer_list<const char*> options,
                     const std::string& fallback) const;
  std::string choice(const std::string& key, const std::vector<std::string>& options) const;
  std::string choice(const std::string& key, const std::vector<std::string>& options,
                     const std::string& fallback) const;
  // An enum value by its name in `table` (errors list the table's names).
  template <class E>
  E choice(const std::string& key, const EnumTable<E>& table) const {
    return *table.find(choice(key, table.names()));
  }
  template <class E>
  E choice(const std::string& key, const EnumTable<E>& table, E fallback) const {
    return *table.find(choice(key, table.names(), table.name(fallback)));
  }
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max) const;
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max, std::int64_t fallback) const;
  double number(const std::string& key, double min, double max) const;
  double number(const std::string& key, double min, double max, double fallback) const;
  bool boolean(const std::string& key) const;
  bool boolean(const std::string& key, bool fallback) const;

  // Quantities with units (see units.h); the fallback is written in the same syntax.
  std::uint64_t size(const std::string& key) const;
  std::uint64_t size(const std::string& key, const std::string& fallback) const;
  double frequency(const std::string& key) const;
  double time(const std::string& key) const;
  double time(const std::string& key, const std::string& fallback) const;
  double bandwidth(const std::string& key) const;
  double energy(const std::string& key) const;
  double power(const std::string& key) const;
  double power(const std::string& key, const std::string& fallback) const;
  double rate(const std::string& key) const;

  // A file path, relative to the file that names it; must exist. Stored back absolute.
  std::string existing_file(const std::string& key) const;
  std::optional<std::string> optional_existing_file(const std::string& key) const;

  // Keys of this mapping, in file order.
  std::vector<std::string> keys() const;
  // Marks a key as read without reading it (for keys interpreted elsewhere).
  void accept(const std::string& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& reason) const;
  [[noreturn]] void fail_section(const std::string& reason) const;
  // Rejects keys that no getter read.
  void finish() const;

 private:
  YAML::Node scalar_node(const std::string& key) const;
  std::string scalar_text(const std::string& key) const;
  void set_default(const std::string& key, const std::string& text) const;
  template <class F>
  auto quantity(const std::string& key, F parse) const;

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const ConfigOrigins> origins_;
  std::shared_ptr<std::set<std::string>> used_;
};

}  // namespace ebatch
