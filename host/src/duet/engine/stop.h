// Stopping a running entry, the part every engine shares: why it stopped,
// the status it returns, the "stopped while in a host call" rule and the
// watchdog arming for its deadline. Each engine supplies only what is its
// own: how to stop its code now (V8 terminates, CPython raises), how to take
// the stop back, and where its code is (the stack). See docs/threads.md.
#ifndef DUET_ENGINE_STOP_H_
#define DUET_ENGINE_STOP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "duet/error.h"
#include "duet/internal/watchdog.h"
#include "duet/language.h"

namespace duet::engine {

// Why an engine stopped an entry. The first reason recorded wins.
enum class StopReason { kNone, kDeadline, kInterrupt, kMemory };

// Records `reason` as why an entry stopped, unless one is recorded already:
// the first reason wins (a deadline that passes during an interrupt does not
// turn it into a deadline stop).
inline void RecordStop(StopReason& recorded, StopReason reason) {
  if (recorded == StopReason::kNone) recorded = reason;
}

// What a stopped entry's status says about the engine and the plugin.
struct StopDetails {
  Language language = Language::kPython;
  // The engine as people name it in messages: "Python", "JavaScript".
  std::string_view engine_name;
  // The module (or REPL) the entry ran, for a heap-limit message.
  std::string_view module;
  // The heap limit in MB that was passed (0: the engine's own default).
  int64_t memory_mb = 0;
  // What the script saw, when the engine raised something it can catch
  // ("KeyboardInterrupt"); empty for the kit's own names.
  std::string_view type;
  // Where the code was when the stop reached it, innermost first; empty
  // when the engine could not look (a heap limit hit inside a GC).
  std::vector<StackFrame> stack;
};

// The one status a stopped entry returns, whatever its engine:
//   kDeadline   kDeadlineExceeded "<Language> execution stopped at its
//               deadline"
//   kInterrupt  kCancelled "<Language> execution interrupted"
//   kMemory     kResourceExhausted naming the module and the limit
// always with a ScriptError payload (type "DeadlineExceeded", "Interrupted",
// "OutOfMemory" unless the engine names what the script saw) whose stack is
// where the entry stopped, so a report can show it for either engine.
// kNone: OK.
absl::Status StopStatus(StopReason reason, StopDetails details);

// Arms the shared watchdog to run `stop` once `deadline` passes; an
// infinite deadline arms nothing. `stop` runs on the watchdog thread: it
// must never wait for an engine lock (watchdog.h).
internal::Watchdog::Ticket ArmDeadline(absl::Time deadline,
                                       std::function<void()> stop);

}  // namespace duet::engine

#endif  // DUET_ENGINE_STOP_H_
