#include "call_context.h"

#include <vector>

namespace duet::python {

void CallContext::FlushPartialLines() {
  for (int i = 0; i < 2; ++i) {
    if (!pending_[i].empty()) {
      services_.Log(LevelFor(static_cast<OutputStream>(i)), source_,
                    pending_[i]);
      pending_[i].clear();
    }
  }
}

void CallContext::Write(OutputStream stream, std::string_view text,
                        std::vector<std::string>* lines) {
  std::string& pending = pending_[static_cast<int>(stream)];
  size_t start = 0;
  for (size_t newline = text.find('\n'); newline != std::string_view::npos;
       newline = text.find('\n', start)) {
    pending.append(text.data() + start, newline - start);
    lines->push_back(std::move(pending));
    pending.clear();
    start = newline + 1;
  }
  pending.append(text.data() + start, text.size() - start);
}

LogLevel LevelFor(OutputStream stream) {
  return stream == OutputStream::kStdout ? LogLevel::kInfo : LogLevel::kWarning;
}

}  // namespace duet::python
