// A fake engine for testing the host without CPython or V8.
//
// A fake implementation file is a list of lines:
//   # comment
//   def NAME: return JSON        returns that value
//   def NAME: echo               returns the arguments as a list
//   def NAME: format TEXT        TEXT with {0} replaced by args[0] (a string)
//   def NAME: language           returns "python" or "javascript"
//   def NAME: count              returns how often it was called (state)
//   def NAME: raise TYPE MSG     fails with a ScriptError of TYPE
//   def NAME: call MOD.FN        forwards the arguments to another module
//   def NAME: host FN            forwards the arguments to duet.host.FN
//   def NAME: hook KEY           runs the hook a test registered under KEY
//   def NAME: sleep MS           sleeps, stopping at the deadline (returns
//                                kDeadlineExceeded) or on Interrupt
//                                (kCancelled)
//   raise TYPE MSG               fails while loading (a ScriptError)
//   hook KEY                     runs the hook KEY while loading (no
//                                arguments); its error fails the load
//   call MOD.FN                  calls another module while loading; its
//                                error fails the load
//   syntax error                 fails to load with kInvalidArgument file:line
// The fake "python" runtime claims .py files and the "javascript" one .js.
#ifndef DUET_TESTS_TESTING_FAKE_RUNTIME_H_
#define DUET_TESTS_TESTING_FAKE_RUNTIME_H_

#include <functional>
#include <string>

#include "duet/runtime.h"

namespace duet::testing {

using FakeHook =
    std::function<absl::StatusOr<Value>(absl::Span<const Value> args)>;

// Registers a hook for `def NAME: hook KEY` lines (process-wide).
void SetFakeHook(const std::string& key, FakeHook hook);
void ClearFakeHooks();

// Engine locks fake implementations keep for held scopes now
// (Implementation::HoldLock), process-wide; each is let go on the thread
// that took it (a FakeHeldLockThreadMismatches otherwise).
int FakeHeldLocks();
int FakeHeldLockThreadMismatches();

// A factory for CreateHostWithRuntimes.
RuntimeFactory FakeRuntimeFactory(Language language);

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_FAKE_RUNTIME_H_
