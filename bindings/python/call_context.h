// Which HostServices the in-script `duet` API talks to. Several hosts may
// share the one interpreter, so every entry into Python (Load, Call,
// Evaluate) pushes a context on a thread-local stack and pops it on return;
// `duet.*` and print() use the innermost one.
#ifndef DUET_BINDINGS_PYTHON_CALL_CONTEXT_H_
#define DUET_BINDINGS_PYTHON_CALL_CONTEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "duet/runtime.h"

namespace duet::python {

class AsyncLoop;

enum class OutputStream { kStdout = 0, kStderr = 1 };

class CallContext {
 public:
  // `source` names the module in log lines; both must outlive the context.
  // Destroy it WITHOUT holding the GIL, or after FlushPartialLines with the
  // GIL released (an Entry nested in a held GIL does): the destructor
  // forwards any partial output line to the log sink.
  // Inline: every entry into Python makes one.
  CallContext(HostServices& services, std::string_view source)
      : services_(services), source_(source), previous_(current_) {
    current_ = this;
  }
  ~CallContext() {
    current_ = previous_;
    if (has_partial_lines()) FlushPartialLines();
  }
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  // The innermost context on this thread, or nullptr outside any entry.
  static CallContext* Current() { return current_; }

  HostServices& services() const { return services_; }
  // The asyncio loop when this context is a coroutine's step on it (calls
  // to other modules' async functions then give awaitables), else null.
  AsyncLoop* async_loop() const { return async_loop_; }
  void set_async_loop(AsyncLoop* loop) { async_loop_ = loop; }
  std::string_view source() const { return source_; }

  // Whether some output waits for its line's end (the destructor sends it).
  bool has_partial_lines() const {
    return !pending_[0].empty() || !pending_[1].empty();
  }
  // Sends the output waiting for its line's end to the log sink now.
  void FlushPartialLines();

  // Buffers `text` written to sys.stdout / sys.stderr and moves each
  // completed line into *lines.
  void Write(OutputStream stream, std::string_view text,
             std::vector<std::string>* lines);

 private:
  HostServices& services_;
  std::string_view source_;
  std::string pending_[2];
  CallContext* previous_;
  AsyncLoop* async_loop_ = nullptr;

  static inline thread_local CallContext* current_ = nullptr;
};

// stdout lines are info, stderr lines warnings.
LogLevel LevelFor(OutputStream stream);

}  // namespace duet::python

#endif  // DUET_BINDINGS_PYTHON_CALL_CONTEXT_H_
