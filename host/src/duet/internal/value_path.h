// Paths inside a value for conversion errors: args[0].items[3], x["a b"].
// Engines build them while converting so an error can say where it was.
#ifndef DUET_INTERNAL_VALUE_PATH_H_
#define DUET_INTERNAL_VALUE_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace duet::internal {

// Deeper values are refused rather than risking the C++ stack.
inline constexpr int kMaxValueDepth = 1000;

// A path element appended and removed in scope: the path is only rendered
// when an error is reported, so conversions pay for it only on failure.
class ValuePath {
 public:
  explicit ValuePath(std::string_view root) : root_(root) {}

  void PushIndex(size_t index);
  void PushKey(std::string_view key);
  void Pop();
  int depth() const { return static_cast<int>(elements_.size()); }

  std::string ToString() const;
  // The path as it was at `depth` elements (the value a conversion began
  // at), for errors about that whole value.
  std::string ToString(int depth) const;

  // kInvalidArgument "<what> at <path>".
  absl::Status Error(std::string_view what) const;

 private:
  struct Element {
    bool is_index;
    size_t index;
    std::string key;
  };
  std::string root_;
  std::vector<Element> elements_;
};

// Pushes on construction, pops on destruction.
class ScopedPathElement {
 public:
  ScopedPathElement(ValuePath& path, size_t index) : path_(path) {
    path_.PushIndex(index);
  }
  ScopedPathElement(ValuePath& path, std::string_view key) : path_(path) {
    path_.PushKey(key);
  }
  ~ScopedPathElement() { path_.Pop(); }
  ScopedPathElement(const ScopedPathElement&) = delete;
  ScopedPathElement& operator=(const ScopedPathElement&) = delete;

 private:
  ValuePath& path_;
};

}  // namespace duet::internal

#endif  // DUET_INTERNAL_VALUE_PATH_H_
