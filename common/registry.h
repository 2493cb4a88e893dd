// A registry of named descriptors (platforms, policies): each registers itself once
// from its own file; the loader, error messages and tools list and look up names here.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ebatch {

template <class Spec>
class Registry {
 public:
  static Registry& instance() {
    static Registry r;
    return r;
  }
  // Registration order is the order names are listed in (messages, defaults).
  void add(const Spec* spec) {
    for (const Spec* s : specs_)
      if (s->name == spec->name) throw std::logic_error("registered twice: '" + spec->name + "'");
    specs_.push_back(spec);
    sort();
  }
  const Spec* find(const std::string& name) const {
    for (const Spec* s : specs_)
      if (s->name == name) return s;
    return nullptr;
  }
  const Spec& get(const std::string& name) const {
    if (const Spec* s = find(name)) return *s;
    throw std::logic_error("not registered: '" + name + "'");
  }
  const std::vector<const Spec*>& all() const { return specs_; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Spec* s : specs_) out.push_back(s->name);
    return out;
  }

 private:
  // Static registrars run in link order; `order` (then the name) fixes the listing.
  void sort() {
    for (std::size_t i = 1; i < specs_.size(); ++i)
      for (std::size_t j = i; j > 0 && less(specs_[j], specs_[j - 1]); --j) std::swap(specs_[j], specs_[j - 1]);
  }
  static bool less(const Spec* a, const Spec* b) {
    return a->order != b->order ? a->order < b->order : a->name < b->name;
  }
  std::vector<const Spec*> specs_;
};

}  // namespace ebatch

namespace ebatch {

// Options of one registered kind (a platform's hardware keys, a policy's own keys):
// each kind derives its own struct from ConfigExtensionOf<itself>.
struct ConfigExtension {
  virtual ~ConfigExtension() = default;
  virtual std::unique_ptr<ConfigExtension> clone() const = 0;
};
template <class Derived>
struct ConfigExtensionOf : ConfigExtension {
  std::unique_ptr<ConfigExtension> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// Holds one ConfigExtension by value (copies clone it).
class ExtensionSlot {
 public:
  ExtensionSlot() = default;
  ExtensionSlot(const ExtensionSlot& o) : p_(o.p_ ? o.p_->clone() : nullptr) {}
  ExtensionSlot& operator=(const ExtensionSlot& o) {
    if (this != &o) p_ = o.p_ ? o.p_->clone() : nullptr;
    return *this;
  }
  ExtensionSlot(ExtensionSlot&&) = default;
  ExtensionSlot& operator=(ExtensionSlot&&) = default;
  void reset(std::unique_ptr<ConfigExtension> p) { p_ = std::move(p); }
  bool empty() const { return !p_; }

  // The held options as T; throws std::logic_error if they are another type (or none).
  template <class T>
  const T& get() const {
    const T* t = dynamic_cast<const T*>(p_.get());
    if (!t) throw std::logic_error("config options of another kind requested");
    return *t;
  }
  // Mutable access; default-constructs a T when the slot is empty (hand-built configs).
  template <class T>
  T& get() {
    if (!p_) p_ = std::make_unique<T>();
    T* t = dynamic_cast<T*>(p_.get());
    if (!t) throw std::logic_error("config options of another kind requested");
    return *t;
  }

 private:
  std::unique_ptr<ConfigExtension> p_;
};

}  // namespace ebatch
