#include "common/config_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/input_file.h"
#include "common/units.h"

namespace ebatch {

std::string join_names(const std::vector<std::string>& names, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? separator : "") + names[i];
  return out;
}
namespace fs = std::filesystem;

void ConfigOrigins::add(const std::string& key_prefix, const std::string& origin, bool is_file) {
  entries_.push_back({key_prefix, origin, is_file});
}

std::pair<std::string, bool> ConfigOrigins::lookup(const std::string& key_path) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_) {
    const bool matches = e.prefix.empty() || key_path == e.prefix ||
                         (key_path.size() > e.prefix.size() && key_path.compare(0, e.prefix.size(), e.prefix) == 0 &&
                          key_path[e.prefix.size()] == '.');
    // Later entries win over earlier ones of the same length (a --set replaces a file's value).
    if (matches && (!best || e.prefix.size() >= best->prefix.size())) best = &e;
  }
  if (!best) return {"<config>", false};
  return {best->origin, best->is_file};
}

std::string config_message(const ConfigOrigins& origins, const std::string& key_path, const YAML::Node& node,
                           const std::string& reason) {
  const auto [origin, is_file] = origins.lookup(key_path);
  std::string where = origin;
  if (is_file && node.IsDefined() && !node.Mark().is_null()) where += ":" + std::to_string(node.Mark().line + 1);
  std::string msg = where + ": ";
  if (!key_path.empty()) msg += "key '" + key_path + "': ";
  return msg + reason;
}

void check_duplicate_keys(const YAML::Node& node, const std::string& file) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (!seen.insert(key).second)
        throw ConfigError(file + ":" + std::to_string(kv.first.Mark().line + 1) + ": duplicate key '" + key + "'");
      check_duplicate_keys(kv.second, file);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) check_duplicate_keys(item, file);
  }
}

namespace {

// Counts the nodes (and scalar bytes) the document would have with every alias expanded, from
// the parser's events alone, before a node tree is built: an "alias bomb" (a few hundred bytes
// expanding to billions of nodes) is refused in microseconds instead of taking minutes.
class AliasBudget : public YAML::EventHandler {
 public:
  explicit AliasBudget(const std::string& where) : where_(where) {}
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1, 0); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    // An alias inside the node its anchor names (`a: &a [*a]`) would make the tree a cycle,
    // which yaml-cpp and every walk over the tree follow for ever (a stack overflow).
    for (const Open& o : open_)
      if (o.anchor != YAML::NullAnchor && o.anchor == anchor)
        throw ConfigError(where_ + ":" + std::to_string(mark.line + 1) +
                          ": an alias refers to a node that contains it (a cycle)");
    const auto it = sizes_.find(anchor);
    if (it != sizes_.end()) add(mark, it->second.first, it->second.second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    leaf(mark, anchor, 1, value.size());
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open_.push_back({anchor, 1, 0, mark});
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open_.push_back({anchor, 1, 0, mark});
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    std::uint64_t nodes, bytes;
    YAML::Mark mark;
  };
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::uint64_t nodes, std::uint64_t bytes) {
    if (anchor != YAML::NullAnchor) sizes_[anchor] = {nodes, bytes};
    add(mark, nodes, bytes);
  }
  void add(const YAML::Mark& mark, std::uint64_t nodes, std::uint64_t bytes) {
    std::uint64_t& n = open_.empty() ? nodes_ : open_.back().nodes;
    std::uint64_t& b = open_.empty() ? bytes_ : open_.back().bytes;
    n += nodes;
    b += bytes;
    if (n > kMaxYamlNodes || b > kMaxYamlBytes)
      throw ConfigError(where_ + ":" + std::to_string(mark.line + 1) +
                        ": aliases expand the document beyond the limit of " + std::to_string(kMaxYamlNodes) +
                        " nodes or " + std::to_string(kMaxYamlBytes >> 20) + " MiB of text");
  }
  void close() {
    const Open o = open_.back();
    open_.pop_back();
    if (o.anchor != YAML::NullAnchor) sizes_[o.anchor] = {o.nodes, o.bytes};
    add(o.mark, o.nodes, o.bytes);
  }
  std::string where_;
  std::vector<Open> open_;
  std::map<YAML::anchor_t, std::pair<std::uint64_t, std::uint64_t>> sizes_;
  std::uint64_t nodes_ = 0, bytes_ = 0;
};

}  // namespace

void check_yaml_alias_budget(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  AliasBudget budget(where);
  parser.HandleNextDocument(budget);
}

YAML::Node parse_yaml_text(const std::string& text, const std::string& where) {
  YAML::Node node;
  try {
    check_yaml_alias_budget(text, where);
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(where + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  check_duplicate_keys(node, where);
  return node;
}

YAML::Node load_yaml_file(const std::string& path) {
  std::string text;
  try {
    text = read_input_file(path, "YAML file");
  } catch (const ConfigError&) {
    throw;
  } catch (const InputError& e) {
    throw ConfigError(e.what());
  }
  return parse_yaml_text(text, path);
}

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t up = row[j];
        const bool same =
            std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = distance(word, c);
    if (d < best_d) best = c, best_d = d;
  }
  return best;
}

ConfigSection::ConfigSection(const YAML::Node& node, std::string key_path, std::shared_ptr<const ConfigOrigins> origins)
    : node_(node),
      path_(std::move(key_path)),
      origins_(std::move(origins)),
      used_(std::make_shared<std::set<std::string>>()) {
  if (!node_.IsMap()) {
    const char* kind = node_.IsSequence() ? "a list" : node_.IsScalar() ? "a single value" : "empty";
    throw ConfigError(config_message(*origins_, path_, node_, std::string("expected a mapping of keys, got ") + kind));
  }
}

std::string ConfigSection::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool ConfigSection::has(const std::string& key) const {
  const YAML::Node& self = node_;
  const YAML::Node value = self[key];
  return value.IsDefined() && !value.IsNull();
}

void ConfigSection::fail(const std::string& key, const std::string& reason) const {
  const YAML::Node& self = node_;
  YAML::Node value = self[key];
  throw ConfigError(config_message(*origins_, key_path(key), value.IsDefined() ? value : node_, reason));
}

void ConfigSection::fail_section(const std::string& reason) const {
  throw ConfigError(config_message(*origins_, path_, node_, reason));
}

void ConfigSection::accept(const std::string& key) const { used_->insert(key); }

std::vector<std::string> ConfigSection::keys() const {
  std::vector<std::string> out;
  for (const auto& kv : node_) out.push_back(kv.first.Scalar());
  return out;
}

void ConfigSection::finish() const {
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    if (used_->count(key) || kv.second.IsNull()) continue;  // null = absent ("--set key=~")
    std::vector<std::string> known(used_->begin(), used_->end());
    const std::string near = nearest_name(key, known);
    std::string reason = "unknown key";
    if (!near.empty())
      reason += " (did you mean '" + near + "'?)";
    else if (!known.empty()) {
      reason += " (known here: ";
      for (size_t i = 0; i < known.size(); ++i) reason += (i ? ", " : "") + known[i];
      reason += ")";
    }
    throw ConfigError(config_message(*origins_, key_path(key), kv.first, reason));
  }
}

ConfigSection ConfigSection::section(const std::string& key) const {
  used_->insert(key);
  if (!has(key)) fail(key, "missing (required section)");
  const YAML::Node& self = node_;
  return ConfigSection(self[key], key_path(key), origins_);
}

std::optional<ConfigSection> ConfigSection::optional_section(const std::string& key) const {
  used_->insert(key);
  if (!has(key)) return std::nullopt;
  const YAML::Node& self = node_;
  return ConfigSection(self[key], key_path(key), origins_);
}

YAML::Node ConfigSection::scalar_node(const std::string& key) const {
  used_->insert(key);
  const YAML::Node& self = node_;
  YAML::Node value = self[key];
  if (!value.IsDefined() || value.IsNull()) {
    std::vector<std::string> unread;
    for (const auto& kv : node_)
      if (!used_->count(kv.first.Scalar())) unread.push_back(kv.first.Scalar());
    const std::string near = nearest_name(key, unread);
    fail(key, near.empty() ? "missing (required)" : "missing (required; is '" + near + "' a misspelling of it?)");
  }
  if (!value.IsScalar())
    fail(key, std::string("expected a single value, got ") + (value.IsMap() ? "a mapping" : "a list"));
  return value;
}

std::string ConfigSection::scalar_text(const std::string& key) const { return scalar_node(key).Scalar(); }

void ConfigSection::set_default(const std::string& key, const std::string& text) const {
  used_->insert(key);
  YAML::Node self = node_;
  self[key] = text;
}

std::string ConfigSection::string(const std::string& key) const { return scalar_text(key); }

std::string ConfigSection::string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) {
    set_default(key, fallback);
    return fallback;
  }
  return string(key);
}

std::string ConfigSection::choice(const std::string& key, std::initializer_list<const char*> options) const {
  return choice(key, std::vector<std::string>(options.begin(), options.end()));
}

std::string ConfigSection::choice(const std::string& key, std::initializer_list<const char*> options,
                                  const std::string& fallback) const {
  return choice(key, std::vector<std::string>(options.begin(), options.end()), fallback);
}

std::string ConfigSection::choice(const std::string& key, const std::vector<std::string>& options) const {
  std::string value = scalar_text(key);
  if (std::find(options.begin(), options.end(), value) != options.end()) return value;
  std::string reason = "'" + value + "' is not one of " + join_names(options);
  const std::string near = nearest_name(value, options);
  if (!near.empty()) reason += " (did you mean '" + near + "'?)";
  fail(key, reason);
}

std::string ConfigSection::choice(const std::string& key, const std::vector<std::string>& options,
                                  const std::string& fallback) const {
  if (!has(key)) {
    set_default(key, fallback);
    return fallback;
  }
  return choice(key, options);
}

std::int64_t ConfigSection::integer(const std::string& key, std::int64_t min, std::int64_t max) const {
  const std::string text = scalar_text(key);
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) fail(key, "expected a whole number, got '" + text + "'");
  if (value < min || value > max)
    fail(key, std::to_string(value) + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return value;
}

std::int64_t ConfigSection::integer(const std::string& key, std::int64_t min, std::int64_t max,
                                    std::int64_t fallback) const {
  if (!has(key)) {
    set_default(key, std::to_string(fallback));
    return fallback;
  }
  return integer(key, min, max);
}

double ConfigSection::number(const std::string& key, double min, double max) const {
  const std::string text = scalar_text(key);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || units::is_hex_number(text))
    fail(key, "expected a decimal number, got '" + text + "'");
  if (value < min || value > max) {
    std::ostringstream os;
    os << value << " is out of range [" << min << ", " << max << "]";
    fail(key, os.str());
  }
  return value;
}

double ConfigSection::number(const std::string& key, double min, double max, double fallback) const {
  if (!has(key)) {
    std::ostringstream os;
    os << fallback;
    set_default(key, os.str());
    return fallback;
  }
  return number(key, min, max);
}

bool ConfigSection::boolean(const std::string& key) const {
  std::string text = scalar_text(key);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(key, "expected true or false, got '" + scalar_text(key) + "'");
}

bool ConfigSection::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) {
    set_default(key, fallback ? "true" : "false");
    return fallback;
  }
  return boolean(key);
}

template <class F>
auto ConfigSection::quantity(const std::string& key, F parse) const {
  const std::string text = scalar_text(key);
  try {
    return parse(text);
  } catch (const units::UnitError& e) {
    fail(key, e.what());
  }
}

std::uint64_t ConfigSection::size(const std::string& key) const { return quantity(key, units::parse_size); }
std::uint64_t ConfigSection::size(const std::string& key, const std::string& fallback) const {
  if (!has(key)) set_default(key, fallback);
  return size(key);
}
double ConfigSection::frequency(const std::string& key) const { return quantity(key, units::parse_frequency); }
double ConfigSection::time(const std::string& key) const {
  const double seconds = quantity(key, units::parse_time);
  if (seconds > units::kMaxSimulatedSeconds)
    fail(key, units::format_time(seconds) + " is beyond the longest simulated time, " +
                  units::format_time(units::kMaxSimulatedSeconds) + " (SystemC's time range ends near 9.2e6 s)");
  return seconds;
}
double ConfigSection::time(const std::string& key, const std::string& fallback) const {
  if (!has(key)) set_default(key, fallback);
  return time(key);
}
double ConfigSection::bandwidth(const std::string& key) const { return quantity(key, units::parse_bandwidth); }
double ConfigSection::energy(const std::string& key) const { return quantity(key, units::parse_energy); }
double ConfigSection::power(const std::string& key) const { return quantity(key, units::parse_power); }
double ConfigSection::power(const std::string& key, const std::string& fallback) const {
  if (!has(key)) set_default(key, fallback);
  return power(key);
}
double ConfigSection::rate(const std::string& key) const { return quantity(key, units::parse_rate); }

std::string ConfigSection::existing_file(const std::string& key) const {
  const YAML::Node value = scalar_node(key);
  const auto [origin, is_file] = origins_->lookup(key_path(key));
  fs::path p(value.Scalar());
  if (p.is_relative() && is_file) p = fs::path(origin).parent_path() / p;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec))
    fail(key, "file '" + p.string() + (fs::exists(p, ec) ? "' is not a regular file" : "' not found"));
  std::string absolute = fs::absolute(p, ec).lexically_normal().string();
  YAML::Node self = node_;
  self[key] = absolute;
  return absolute;
}

std::optional<std::string> ConfigSection::optional_existing_file(const std::string& key) const {
  used_->insert(key);
  if (!has(key)) return std::nullopt;
  return existing_file(key);
}

}  // namespace ebatch
