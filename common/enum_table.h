// One table per enum: the names a config file spells, used to parse the value once
// at load time, to list the allowed values in error messages and to write the value
// back (resolved.yaml, stats.json).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace ebatch {

template <class E>
class EnumTable {
 public:
  struct Entry {
    E value;
    const char* name;
  };
  EnumTable(std::initializer_list<Entry> entries) : entries_(entries) {}

  // The name of `value`, or "?" for a value outside the table.
  const char* name(E value) const {
    for (const auto& e : entries_)
      if (e.value == value) return e.name;
    return "?";
  }
  bool contains(E value) const {
    for (const auto& e : entries_)
      if (e.value == value) return true;
    return false;
  }
  std::optional<E> find(const std::string& name) const {
    for (const auto& e : entries_)
      if (name == e.name) return e.value;
    return std::nullopt;
  }
  // The names in table order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.emplace_back(e.name);
    return out;
  }

 private:
  std::vector<Entry> entries_;
};

// "a, b, c" (or with another separator).
std::string join_names(const std::vector<std::string>& names, const std::string& separator = ", ");

}  // namespace ebatch
