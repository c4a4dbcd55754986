// The REPL consoles a host has opened (Host::OpenRepl). Each console owns an
// engine ReplSession, which must go before its engine does even when the
// console outlives the host: the host closes every console's session first.
#ifndef DUET_HOST_SRC_REPL_CONSOLES_H_
#define DUET_HOST_SRC_REPL_CONSOLES_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "call_dispatch.h"
#include "duet/repl.h"
#include "duet/runtime.h"

namespace duet::internal {

class ReplConsoles {
 public:
  // Evaluations count in `gate`, which outlives every open console's use of
  // it (CloseAll runs before the gate goes).
  explicit ReplConsoles(CallGate& gate) : gate_(gate) {}

  // A console over a new session of `runtime`.
  absl::StatusOr<std::unique_ptr<ReplConsole>> Open(Runtime& runtime);

  // Destroys every console's session, waiting for evaluations still
  // running; the consoles then report that the host is gone.
  void CloseAll();

  // Shared by a console and this list; defined in the .cc.
  struct Slot;

 private:
  CallGate& gate_;
  absl::Mutex mutex_;
  std::vector<std::weak_ptr<Slot>> slots_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace duet::internal

#endif  // DUET_HOST_SRC_REPL_CONSOLES_H_
