// The Python interpreter started, used and finalised from any thread, in any
// order: in particular from threads that have exited since (a Host created,
// or first called, on a worker thread of the embedding application).
//
// Each scenario starts the interpreter itself, so it runs in a child process
// of this test binary (PythonThreadChild.*, selected by an environment
// variable): the interpreter is process-wide, and a failure there used to be
// a fatal error that ends the process.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "python/python_runtime.h"
#include "testing/bounded.h"
#include "testing/child_process.h"
#include "testing/recording_services.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::duet::testing::ChildRun;
using ::duet::testing::RecordingServices;
using ::duet::testing::RunTestsInChild;
using ::duet::testing::TempDir;
using ::testing::HasSubstr;

using ::duet::testing::IsOkAndHolds;

constexpr char kChildEnv[] = "DUET_PYTHON_THREAD_CHILD";

// Imports threading on the thread that loads it: the thread CPython's
// threading module then takes for the main thread, whose end finalisation
// waits for.
constexpr char kAdderSource[] = R"PY(
import threading


def add(a, b):
    return a + b
)PY";

// In a child: the plugin directory the parent wrote. Null in the parent.
const char* ChildDir() { return std::getenv(kChildEnv); }

std::unique_ptr<Implementation> LoadAdder(Runtime& runtime) {
  fs::path entry = fs::path(ChildDir()) / "adder" / "adder.py";
  auto loaded = runtime.Load({"adder", entry, entry.parent_path(), false});
  EXPECT_OK(loaded.status());
  return loaded.ok() ? *std::move(loaded) : nullptr;
}

// Calls add(a, b) and checks the sum; a null plugin (its load failed) fails.
void ExpectAdds(Implementation* adder, int64_t a, int64_t b) {
  ASSERT_NE(adder, nullptr);
  EXPECT_THAT(adder->Call(0, {Value(a), Value(b)}, absl::InfiniteFuture()),
              IsOkAndHolds(Value(a + b)));
}

// Starts the interpreter, loads the adder and checks add(a, b), all on a
// thread that then exits (a null plugin when that failed).
std::pair<std::unique_ptr<Runtime>, std::unique_ptr<Implementation>>
StartOnAThreadThatExits(RecordingServices& services, int64_t a, int64_t b) {
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Implementation> adder;
  std::thread starter([&] {
    auto created = CreatePythonRuntime(services);
    ASSERT_OK(created.status());
    runtime = *std::move(created);
    adder = LoadAdder(*runtime);
    ExpectAdds(adder.get(), a, b);
  });
  starter.join();
  return {std::move(runtime), std::move(adder)};
}

// Runs the test PythonThreadChild.<name> in a child process of this binary
// and expects it to pass (a crash or a hang is a failure).
void ExpectChildPasses(const std::string& name) {
  TempDir dir;
  dir.Write("adder/adder.py", kAdderSource);
  ChildRun run = RunTestsInChild(absl::StrCat("PythonThreadChild.", name),
                                 kChildEnv, dir.path().string(), dir.path());
  // It ran its scenario (not skipped it) and passed, without crashing or
  // hanging.
  EXPECT_TRUE(run.passed()) << run.Describe();
}

// --- the scenarios, each run only as a child --------------------------------

#define SKIP_UNLESS_CHILD()                                     \
  if (ChildDir() == nullptr) {                                  \
    GTEST_SKIP() << "runs only as a child process (see below)"; \
  }

// The interpreter starts, and makes its first call, on a thread that then
// exits; later calls come from the main thread and from a new thread.
TEST(PythonThreadChild, FirstUseOnAThreadThatExited) {
  SKIP_UNLESS_CHILD();
  RecordingServices services;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Implementation> adder;
  std::tie(runtime, adder) = StartOnAThreadThatExits(services, 1, 2);
  ASSERT_NE(adder, nullptr);
  ExpectAdds(adder.get(), 3, 4);
  std::thread later([&] { ExpectAdds(adder.get(), 5, 6); });
  later.join();
  ExpectAdds(adder.get(), 7, 8);
  adder.reset();
  runtime.reset();  // finalised on the main thread
}

// Started on thread A, which exits; the last lease goes on thread B, which
// finalises; then the main thread starts a fresh interpreter and uses it.
// The main thread, which imported threading in that interpreter, is still
// running when it is finalised (at the end of this test).
TEST(PythonThreadChild, FinalisedOnAnotherThreadThenRestarted) {
  SKIP_UNLESS_CHILD();
  RecordingServices services;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Implementation> adder;
  std::tie(runtime, adder) = StartOnAThreadThatExits(services, 1, 2);
  std::thread finaliser([&] {
    ExpectAdds(adder.get(), 2, 3);
    adder.reset();
    runtime.reset();
  });
  finaliser.join();

  auto again = CreatePythonRuntime(services);
  ASSERT_OK(again.status());
  std::unique_ptr<Implementation> adder_again = LoadAdder(**again);
  ExpectAdds(adder_again.get(), 4, 5);
  std::thread other([&] { ExpectAdds(adder_again.get(), 6, 7); });
  other.join();
}

// Started on a thread that exits while other threads keep calling, and
// threads that call once and exit meanwhile.
TEST(PythonThreadChild, ThreadsCallOnceAndExitWhileOthersKeepCalling) {
  SKIP_UNLESS_CHILD();
  RecordingServices services;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Implementation> adder;
  std::tie(runtime, adder) = StartOnAThreadThatExits(services, 0, 0);
  ASSERT_NE(adder, nullptr);

  std::atomic<bool> stop{false};
  std::vector<std::thread> steady;
  for (int i = 0; i < 2; ++i) {
    steady.emplace_back([&, i] {
      for (int64_t n = 0; !stop.load(); ++n) ExpectAdds(adder.get(), i, n);
    });
  }
  for (int round = 0; round < 50; ++round) {
    std::thread once([&] { ExpectAdds(adder.get(), round, 1); });
    once.join();
    ExpectAdds(adder.get(), round, 2);  // the main thread, between them
  }
  stop.store(true);
  for (std::thread& thread : steady) thread.join();
  // The last lease goes on a thread that exits right after.
  std::thread finaliser([&] {
    adder.reset();
    runtime.reset();
  });
  finaliser.join();
}

// --- the parent tests --------------------------------------------------------

TEST(PythonThreadTest, FirstUseOnAThreadThatExited) {
  ExpectChildPasses("FirstUseOnAThreadThatExited");
}

TEST(PythonThreadTest, FinalisedOnAnotherThreadThenRestarted) {
  ExpectChildPasses("FinalisedOnAnotherThreadThenRestarted");
}

TEST(PythonThreadTest, ThreadsCallOnceAndExitWhileOthersKeepCalling) {
  ExpectChildPasses("ThreadsCallOnceAndExitWhileOthersKeepCalling");
}

}  // namespace
}  // namespace duet
