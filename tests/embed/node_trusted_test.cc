// Trusted JavaScript plugins (plugin.toml `[javascript] node = true`) run in
// a real Node.js environment: Node's fs, http and child_process and its
// package resolution work, while duet calls, switching, limits and errors
// behave as for any implementation, and a sandboxed plugin in the same host
// still has no Node built-ins.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "javascript/javascript_runtime.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kTrustedManifest[] = R"TOML(
name = "trusted"
default = "javascript"

[implementations]
javascript = "index.js"
python = "impl.py"

[javascript]
node = true

[limits]
timeout_ms = 3000
)TOML";

constexpr char kTrustedJs[] = R"JS(const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { execFileSync } = require('child_process');
const duet = require('duet');

exports.writeRead = (text) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duet-node-'));
  const file = path.join(dir, 'note.txt');
  fs.writeFileSync(file, text);
  const back = fs.readFileSync(file, 'utf8');
  fs.rmSync(dir, { recursive: true });
  return back;
};

exports.serve = async (message) => {
  const server = http.createServer((request, response) => {
    response.end(`${message} via ${request.url}`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const body = await new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/path`, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
  await new Promise((resolve) => server.close(resolve));
  return body;
};

exports.echo = (word) => execFileSync('/bin/echo', [word]).toString().trim();

exports.resolved = () => require('dual').build;

exports.ticks = () => new Promise((resolve) => process.nextTick(() => resolve('ticked')));

exports.add = (a, b) => a + b;

exports.busy = (ms) => {
  duet.host.arrive();
  const end = Date.now() + ms;
  while (Date.now() < end) {}
  return ms;
};

// A timer callback on the loop thread calls this module through the host.
exports.callSelfFromTheLoop = (ms) => {
  setTimeout(() => duet.modules.trusted.busy(ms), 0);
  return 'scheduled';
};

exports.arriveAndWait = (ms, value) => {
  duet.host.arrive();
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
};

exports.spin = () => { for (;;) {} };

exports.arriveAndSpin = () => {
  duet.host.arrive();
  for (;;) {}
};

exports.fail = () => {
  throw new TypeError('bad input');
};

exports.callSandboxed = () => duet.modules.sandboxed.double(21);

exports.language = () => 'javascript';

// Signals through a file, not a host call: a host call releases the
// isolate, and the test's next call could slip in before the loop.
exports.hogLoop = (marker) => {
  setTimeout(() => {
    fs.writeFileSync(marker, 'looping');
    for (;;) {}
  }, 0);
  return 'scheduled';
};

exports.exit = () => process.exit(3);
)JS";

constexpr char kTrustedPy[] = R"PY(
def writeRead(text): return text
def serve(message): return message
def echo(word): return word
def resolved(): return "python"
def ticks(): return "python"
def add(a, b): return a + b
def arriveAndWait(ms, value): return value
def busy(ms): return ms
def callSelfFromTheLoop(ms): return None
def spin(): return None
def arriveAndSpin(): return None
def fail(): raise ValueError("python")
def callSandboxed(): return 0
def language(): return "python"
def exit(): return None
def hogLoop(marker): return None
)PY";

constexpr char kSandboxedJs[] = R"JS(import duet from 'duet';
export function double(x) { return 2 * x; }
export function busy(ms) {
  duet.host.arrive();
  const end = Date.now() + ms;
  while (Date.now() < end) {}
  return ms;
}
export function callSelfFromATimer(ms) {
  setTimeout(() => duet.modules.sandboxed.busy(ms), 0);
  return 'scheduled';
}
export async function tryFs() {
  try {
    await import('fs');
    return 'loaded';
  } catch (error) {
    return 'refused';
  }
}
// duet's sandboxed process: no environment, no exit.
export function processEnvAndExit() {
  let exit = 'exited';
  try { process.exit(1); } catch (e) { exit = e.code; }
  return [Object.keys(process.env).length, exit];
}
)JS";

// An ES module entry (the package says "type": "module"): Node's ES loader
// reads it, Node built-ins import by name, and duet is the global.
constexpr char kEsmJs[] = R"JS(import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const manifest = readFileSync(new URL('./plugin.toml', import.meta.url), 'utf8');

export async function firstLine() {
  await sleep(10);
  return manifest.trim().split('\n')[0];
}

export function viaDuet(x) { return duet.modules.sandboxed.double(x); }
)JS";

void WriteFile(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class NodeTrustedTest : public testing::QuietHostTest {
 protected:
  static void SetUpTestSuite() {
    plugins_ = new fs::path(fs::temp_directory_path() /
                            ("duet_node_trusted_" + std::to_string(getpid())));
    fs::remove_all(*plugins_);
    fs::path trusted = *plugins_ / "trusted";
    WriteFile(trusted / "plugin.toml", kTrustedManifest);
    WriteFile(trusted / "index.js", kTrustedJs);
    WriteFile(trusted / "impl.py", kTrustedPy);
    // A package whose "exports" pick a build by condition: Node's own
    // resolution takes "node".
    fs::path dual = trusted / "node_modules" / "dual";
    WriteFile(dual / "package.json", R"({"name": "dual", "exports": {
        "browser": "./browser.js", "node": "./node.js",
        "default": "./browser.js"}})");
    WriteFile(dual / "node.js", "exports.build = 'node';\n");
    WriteFile(dual / "browser.js", "exports.build = 'browser';\n");
    WriteFile(*plugins_ / "sandboxed" / "plugin.toml", R"TOML(
name = "sandboxed"
[implementations]
javascript = "index.mjs"
)TOML");
    WriteFile(*plugins_ / "sandboxed" / "index.mjs", kSandboxedJs);
    fs::path esm = *plugins_ / "esm";
    WriteFile(esm / "plugin.toml",
              "name = \"esm\"\n[implementations]\njavascript = "
              "\"index.js\"\n[javascript]\nnode = true\n");
    WriteFile(esm / "package.json", R"({"type": "module"})");
    WriteFile(esm / "index.js", kEsmJs);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*plugins_);
    delete plugins_;
  }

  void SetUp() override {
    QuietHostTest::SetUp();
    ASSERT_OK(host_->RegisterFunction(
        "arrive", [this](absl::Span<const Value>) -> absl::StatusOr<Value> {
          arrived_.Notify();
          return Value();
        }));
    absl::StatusOr<LoadReport> report = host_->LoadPlugins(*plugins_);
    ASSERT_TRUE(report.ok()) << report.status();
  }

  // `schedule` makes a timer of `module` call the module's busy(300)
  // through the host; `module` is reloaded while that call runs.
  void ReloadDuringATimerCall(const std::string& module,
                              const std::string& schedule) {
    EXPECT_THAT(host_->Call(module, schedule, {Value(300)}),
                IsOkAndHolds(Value("scheduled")));
    ASSERT_TRUE(arrived_.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_OK(host_->Reload(module));
  }

  // The same, and the call is given time to end (the old engine's last
  // reference goes then).
  void ReloadWhileATimerCallsIt(const std::string& module,
                                const std::string& schedule) {
    ASSERT_NO_FATAL_FAILURE(ReloadDuringATimerCall(module, schedule));
    absl::SleepFor(absl::Milliseconds(500));
  }

  // ReloadDuringATimerCall, then the host destroyed at once: the call is
  // stopped, and its end lets go of the old engine inside it (a frame of it
  // on that thread), so the engine's destruction is posted to the scheduler.
  // The host waits for it: no isolate of the host outlives it (a Node.js
  // environment's teardown, or a sandboxed engine's, may still use the
  // host's services).
  void DestroyWhileATimerCallsIt(const std::string& module,
                                 const std::string& schedule) {
    ASSERT_NO_FATAL_FAILURE(ReloadDuringATimerCall(module, schedule));
    host_.reset();
    EXPECT_EQ(LiveJavaScriptIsolatesForTesting(), 0);
  }

  static fs::path* plugins_;
  absl::Notification arrived_;
};

fs::path* NodeTrustedTest::plugins_ = nullptr;

TEST_F(NodeTrustedTest, ReadsAFileItWrote) {
  EXPECT_THAT(host_->Call("trusted", "writeRead", {Value("hello, disk")}),
              IsOkAndHolds(Value("hello, disk")));
}

TEST_F(NodeTrustedTest, AwaitsAnHttpExchangeWithItself) {
  EXPECT_THAT(host_->Call("trusted", "serve", {Value("pong")}),
              IsOkAndHolds(Value("pong via /path")));
}

TEST_F(NodeTrustedTest, RunsAChildProcess) {
  EXPECT_THAT(host_->Call("trusted", "echo", {Value("spawned")}),
              IsOkAndHolds(Value("spawned")));
}

TEST_F(NodeTrustedTest, ResolvesPackagesAsNodeDoes) {
  EXPECT_THAT(host_->Call("trusted", "resolved", {}),
              IsOkAndHolds(Value("node")));
}

TEST_F(NodeTrustedTest, RunsNextTickCallbacks) {
  EXPECT_THAT(host_->Call("trusted", "ticks", {}),
              IsOkAndHolds(Value("ticked")));
}

TEST_F(NodeTrustedTest, AnswersFromTwoThreads) {
  constexpr int kCalls = 200;
  auto work = [this](int base, std::vector<absl::StatusOr<Value>>* out) {
    for (int i = 0; i < kCalls; ++i) {
      out->push_back(
          host_->Call("trusted", "add", {Value(base), Value(int64_t{i})}));
    }
  };
  std::vector<absl::StatusOr<Value>> first, second;
  std::thread a(work, 1000, &first);
  std::thread b(work, 2000, &second);
  a.join();
  b.join();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_THAT(first[i], IsOkAndHolds(Value(int64_t{1000 + i})));
    EXPECT_THAT(second[i], IsOkAndHolds(Value(int64_t{2000 + i})));
  }
}

TEST_F(NodeTrustedTest, ATimeoutStopsAnEndlessLoopAndTheModuleServesOn) {
  CallOptions options;
  options.timeout = absl::Milliseconds(200);
  EXPECT_THAT(host_->Call("trusted", "spin", {}, options),
              StatusIs(absl::StatusCode::kDeadlineExceeded, ::testing::_));
  EXPECT_THAT(host_->Call("trusted", "add", {Value(2), Value(3)}),
              IsOkAndHolds(Value(5)));
  EXPECT_THAT(host_->Call("trusted", "writeRead", {Value("still here")}),
              IsOkAndHolds(Value("still here")));
}

TEST_F(NodeTrustedTest, AnExceptionNamesItsFileAndLine) {
  absl::StatusOr<Value> result = host_->Call("trusted", "fail", {});
  ASSERT_FALSE(result.ok());
  std::optional<ScriptError> error = GetScriptError(result.status());
  ASSERT_TRUE(error.has_value()) << result.status();
  EXPECT_EQ(error->type, "TypeError");
  EXPECT_EQ(error->message, "bad input");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_THAT(error->stack[0].file, HasSubstr("index.js"));
  const std::string source = kTrustedJs;
  const int throw_line =
      1 + static_cast<int>(std::count(
              source.begin(),
              source.begin() + source.find("throw new TypeError"), '\n'));
  EXPECT_EQ(error->stack[0].line, throw_line);
}

// Reloaded while a call awaits a timer: the call's last step, on the old
// environment's loop thread, lets go of that environment, which must not
// end its own loop thread from within it.
TEST_F(NodeTrustedTest, ReloadingWhileACallAwaitsLetsItFinish) {
  std::future<absl::StatusOr<Value>> waiting =
      host_->CallAsync("trusted", "arriveAndWait", {Value(300), Value("late")});
  ASSERT_TRUE(arrived_.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_OK(host_->Reload("trusted"));
  EXPECT_THAT(waiting.get(), IsOkAndHolds(Value("late")));
  EXPECT_THAT(host_->Call("trusted", "add", {Value(2), Value(3)}),
              IsOkAndHolds(Value(5)));
}

// Reloaded while the loop thread is in a call of the old environment (a
// timer callback calling its own module through the host): that call's end
// lets go of the old environment on the old loop thread.
TEST_F(NodeTrustedTest, ReloadingWhileItsLoopThreadCallsLetsTheCallFinish) {
  ASSERT_NO_FATAL_FAILURE(
      ReloadWhileATimerCallsIt("trusted", "callSelfFromTheLoop"));
  EXPECT_THAT(host_->Call("trusted", "add", {Value(2), Value(3)}),
              IsOkAndHolds(Value(5)));
}

// The same for a sandboxed module, whose timers run on a scheduler thread.
TEST_F(NodeTrustedTest, ReloadingWhileATimerCallsItsModuleLetsTheCallFinish) {
  ASSERT_NO_FATAL_FAILURE(
      ReloadWhileATimerCallsIt("sandboxed", "callSelfFromATimer"));
  EXPECT_THAT(host_->Call("sandboxed", "double", {Value(21)}),
              IsOkAndHolds(Value(42)));
}

TEST_F(NodeTrustedTest, DestroyingTheHostWaitsForAnEngineItsLoopThreadLetGo) {
  DestroyWhileATimerCallsIt("trusted", "callSelfFromTheLoop");
}

TEST_F(NodeTrustedTest, DestroyingTheHostWaitsForAnEngineItsTimerLetGo) {
  DestroyWhileATimerCallsIt("sandboxed", "callSelfFromATimer");
}

TEST_F(NodeTrustedTest, CallsAnotherModule) {
  EXPECT_THAT(host_->Call("trusted", "callSandboxed", {}),
              IsOkAndHolds(Value(42)));
}

TEST_F(NodeTrustedTest, SwitchesToPythonAndBack) {
  EXPECT_THAT(host_->Call("trusted", "language", {}),
              IsOkAndHolds(Value("javascript")));
  ASSERT_OK(host_->Use("trusted", Language::kPython));
  EXPECT_THAT(host_->Call("trusted", "language", {}),
              IsOkAndHolds(Value("python")));
  ASSERT_OK(host_->Use("trusted", Language::kJavaScript));
  EXPECT_THAT(host_->Call("trusted", "echo", {Value("back")}),
              IsOkAndHolds(Value("back")));
}

TEST_F(NodeTrustedTest, ASandboxedPluginBesideItStillHasNoNodeBuiltIns) {
  EXPECT_THAT(host_->Call("trusted", "writeRead", {Value("x")}),
              IsOkAndHolds(Value("x")));
  EXPECT_THAT(host_->Call("sandboxed", "tryFs", {}),
              IsOkAndHolds(Value("refused")));
  EXPECT_THAT(host_->Call("sandboxed", "processEnvAndExit", {}),
              IsOkAndHolds(Value(Value::List{0, "ERR_DUET_PROCESS_REFUSED"})));
}

TEST_F(NodeTrustedTest, LoadsAnEsModuleEntryWithNodesLoader) {
  EXPECT_THAT(host_->Call("esm", "firstLine", {}),
              IsOkAndHolds(Value("name = \"esm\"")));
  EXPECT_THAT(host_->Call("esm", "viaDuet", {Value(4)}),
              IsOkAndHolds(Value(8)));
}

TEST_F(NodeTrustedTest, InterruptStopsACall) {
  std::thread interrupter([this] {
    arrived_.WaitForNotification();
    host_->Interrupt();
  });
  EXPECT_THAT(host_->Call("trusted", "arriveAndSpin", {}),
              StatusIs(absl::StatusCode::kCancelled, ::testing::_));
  interrupter.join();
  EXPECT_THAT(host_->Call("trusted", "add", {Value(1), Value(1)}),
              IsOkAndHolds(Value(2)));
}

// A timer callback that never returns is stopped at the plugin's time
// limit, as duet's own timer visits are; Node cannot go on after a callback
// cut short, so the environment ends (exit code 124) and the host lives.
TEST_F(NodeTrustedTest, AnEndlessTimerCallbackIsStoppedAtTheTimeLimit) {
  const fs::path marker = *plugins_ / "hog-loop-started";
  fs::remove(marker);
  EXPECT_THAT(host_->Call("trusted", "hogLoop", {Value(marker.string())}),
              IsOkAndHolds(Value("scheduled")));
  // The callback runs, holding the isolate from the write on.
  while (!fs::exists(marker)) absl::SleepFor(absl::Milliseconds(1));
  CallOptions patient;
  patient.timeout = absl::Seconds(60);
  EXPECT_THAT(host_->Call("trusted", "add", {Value(2), Value(2)}, patient),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("ended its Node.js environment (exit code "
                                 "124")));
  EXPECT_THAT(host_->Call("sandboxed", "double", {Value(2)}),
              IsOkAndHolds(Value(4)));
}

// process.exit() ends the plugin's Node.js environment, never the host.
TEST_F(NodeTrustedTest, ProcessExitLeavesTheHostRunning) {
  EXPECT_THAT(host_->Call("trusted", "exit", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("ended its Node.js environment (exit code "
                                 "3")));
  EXPECT_THAT(host_->Call("trusted", "add", {Value(1), Value(1)}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("Host::Reload starts it afresh")));
  EXPECT_THAT(host_->Call("sandboxed", "double", {Value(5)}),
              IsOkAndHolds(Value(10)));
  EXPECT_THAT(host_->Call("esm", "viaDuet", {Value(1)}),
              IsOkAndHolds(Value(2)));
}

}  // namespace
}  // namespace duet
