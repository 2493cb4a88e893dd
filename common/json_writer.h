// A minimal streaming JSON writer for results files (objects, arrays, numbers,
// strings, booleans). Numbers are written with 12 significant digits, the
// same on every platform; non-finite numbers become null.
#pragma once

#include <string>
#include <vector>

namespace ebatch {

class JsonWriter {
 public:
  JsonWriter& begin_object(const std::string& key = "");
  JsonWriter& end_object();
  JsonWriter& begin_array(const std::string& key = "");
  JsonWriter& end_array();
  JsonWriter& value(const std::string& key, double v);
  JsonWriter& value(const std::string& key, long long v);
  JsonWriter& value(const std::string& key, unsigned long long v);
  JsonWriter& value(const std::string& key, int v) { return value(key, static_cast<long long>(v)); }
  JsonWriter& value(const std::string& key, bool v);
  JsonWriter& value(const std::string& key, const std::string& v);
  JsonWriter& value(const std::string& key, const char* v) { return value(key, std::string(v)); }
  const std::string& str() const { return out_; }

  static std::string escape(const std::string& s);
  static std::string number(double v);

 private:
  void prefix(const std::string& key);
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
};

}  // namespace ebatch
