#include "duet/internal/value_path.h"

#include "absl/strings/str_cat.h"
#include "duet/internal/identifier.h"
#include "duet/internal/strings.h"

namespace duet::internal {
void ValuePath::PushIndex(size_t index) {
  elements_.push_back({true, index, {}});
}

void ValuePath::PushKey(std::string_view key) {
  elements_.push_back({false, 0, std::string(key)});
}

void ValuePath::Pop() { elements_.pop_back(); }

std::string ValuePath::ToString() const { return ToString(depth()); }

std::string ValuePath::ToString(int depth) const {
  std::string out = root_;
  for (int i = 0; i < depth && i < this->depth(); ++i) {
    const Element& element = elements_[i];
    if (element.is_index) {
      absl::StrAppend(&out, "[", element.index, "]");
    } else if (IsIdentifier(element.key)) {
      absl::StrAppend(&out, ".", element.key);
    } else {
      // Quote the key as a JSON-ish string so odd keys stay readable.
      out += "[\"";
      for (char c : element.key) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += "\"]";
    }
  }
  return out;
}

absl::Status ValuePath::Error(std::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(what), " at ", ToString()));
}

}  // namespace duet::internal
