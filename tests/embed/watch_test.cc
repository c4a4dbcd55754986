// Watch mode (HostOptions::watch) on a real Host and real files: edits,
// editors' saves, bursts, broken code, plugins that appear or go, and a host
// destroyed while it watches. Each test waits for the host's log line that
// says what happened (with a generous bound) rather than for a fixed time.
#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/bounded.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::RunBounded;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

// Far above any reload's time on a loaded machine: reaching it means the
// event was missed, not that the machine was slow.
constexpr std::chrono::seconds kEventBound(20);

// The host's log lines, kept so a test can wait for one and count them.
class LogRecorder {
 public:
  LogSink Sink() {
    return [this](LogLevel level, std::string_view source,
                  std::string_view message) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(absl::StrCat("[", std::string(LogLevelName(level)), "] ",
                                    std::string(source), ": ",
                                    std::string(message)));
      changed_.notify_all();
    };
  }

  // Waits until `count` lines contain `text`; fails the test, showing every
  // line so far, when they do not within kEventBound.
  bool WaitFor(std::string_view text, int count = 1) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (changed_.wait_for(lock, kEventBound,
                          [&] { return CountLocked(text) >= count; })) {
      return true;
    }
    ADD_FAILURE() << "no " << count << " log line(s) with '" << text
                  << "' within " << kEventBound.count()
                  << " s; the lines were:\n"
                  << AllLocked();
    return false;
  }

  int Count(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    return CountLocked(text);
  }

  std::vector<std::string> Matching(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const std::string& line : lines_) {
      if (line.find(text) != std::string::npos) out.push_back(line);
    }
    return out;
  }

  std::string All() {
    std::lock_guard<std::mutex> lock(mutex_);
    return AllLocked();
  }

 private:
  int CountLocked(std::string_view text) const {
    return static_cast<int>(
        std::count_if(lines_.begin(), lines_.end(), [&](const std::string& l) {
          return l.find(text) != std::string::npos;
        }));
  }
  std::string AllLocked() const {
    std::string out;
    for (const std::string& line : lines_) absl::StrAppend(&out, line, "\n");
    return out;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

constexpr std::string_view kManifest =
    "name = \"counter\"\n"
    "[implementations]\n"
    "javascript = \"counter.js\"\n"
    "python = \"counter.py\"\n";

std::string CounterJs(int version) {
  return absl::StrCat(
      "let count = 0;\n"
      "function increment(by) { count += by; return count; }\n"
      "function version() { return ",
      version, "; }\nmodule.exports = { increment, version };\n");
}

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("counter/plugin.toml", kManifest);
    dir_.Write("counter/counter.js", CounterJs(1));
    dir_.Write("counter/counter.py",
               "def increment(by):\n    return by\n\n"
               "def version():\n    return 1\n");
  }

  void StartHost(absl::Duration quiet_period = absl::Milliseconds(150)) {
    HostOptions options;
    options.log_sink = log_.Sink();
    options.watch.enabled = true;
    options.watch.quiet_period = quiet_period;
    absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(options);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    absl::StatusOr<LoadReport> report = host_->LoadPlugins(dir_.path());
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_OK(host_->Use("counter", Language::kJavaScript));
  }

  absl::StatusOr<Value> Version() { return host_->Call("counter.version", {}); }

  // Replaces `relative` the way many editors save: a temporary file
  // written beside it, then renamed over it.
  void SaveByRename(std::string_view relative, std::string_view content) {
    fs::path temporary =
        dir_.Write(std::string(relative) + ".tmp-save", content);
    fs::rename(temporary, dir_.path() / relative);
  }

  TempDir dir_;
  LogRecorder log_;
  std::unique_ptr<Host> host_;
};

TEST_F(WatchTest, AnEditedFileReloadsAndTheNextCallRunsTheNewCode) {
  StartHost();
  ASSERT_THAT(Version(), IsOkAndHolds(Value(1)));
  dir_.Write("counter/counter.js", CounterJs(2));
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(
      log_.Matching("reloaded counter"),
      ElementsAre("[info] duet: reloaded counter (counter.js changed)"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(2)));
  // The JavaScript implementation stays the active one.
  EXPECT_EQ(host_->GetModule("counter")->active, Language::kJavaScript);
}

TEST_F(WatchTest, ASaveByRenameCounts) {
  StartHost();
  SaveByRename("counter/counter.js", CounterJs(3));
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  // The temporary file is gone by then, so only the real one is named.
  EXPECT_THAT(
      log_.Matching("reloaded counter"),
      ElementsAre("[info] duet: reloaded counter (counter.js changed)"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(3)));
}

TEST_F(WatchTest, ABurstOfWritesReloadsOnce) {
  // A long quiet period, so a stall of the test between two writes on a
  // busy machine does not split the burst.
  StartHost(absl::Seconds(1));
  for (int version = 1; version <= 20; ++version) {
    dir_.Write("counter/counter.js", CounterJs(100 + version));
  }
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(120)));
  // A later edit is the marker: every reload the burst caused is logged
  // before the marker's own.
  dir_.Write("counter/counter.js", CounterJs(200));
  ASSERT_TRUE(log_.WaitFor("reloaded counter", 2));
  EXPECT_EQ(log_.Count("reloaded counter"), 2) << log_.All();
  EXPECT_THAT(Version(), IsOkAndHolds(Value(200)));
}

TEST_F(WatchTest, BrokenCodeKeepsTheOldVersionServingWithOneErrorLine) {
  StartHost();
  ASSERT_THAT(host_->Call("counter.increment", {Value(5)}),
              IsOkAndHolds(Value(5)));
  dir_.Write("counter/counter.js",
             "function increment(by) {\n  return (;\n}\n");
  ASSERT_TRUE(log_.WaitFor("reload failed"));
  std::vector<std::string> errors = log_.Matching("reload failed");
  ASSERT_EQ(errors.size(), 1u) << log_.All();
  EXPECT_THAT(errors[0],
              HasSubstr("[error] duet: counter: reload failed, the old "
                        "version keeps serving: "));
  EXPECT_THAT(errors[0], HasSubstr("counter.js:2"));
  EXPECT_EQ(errors[0].find('\n'), std::string::npos);
  // The old code, with its state.
  EXPECT_THAT(host_->Call("counter.increment", {Value(1)}),
              IsOkAndHolds(Value(6)));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(1)));

  // Fixed: it reloads, and the failure was said once.
  dir_.Write("counter/counter.js", CounterJs(4));
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(4)));
  EXPECT_EQ(log_.Count("reload failed"), 1) << log_.All();
}

TEST_F(WatchTest, AFileInASubfolderCounts) {
  dir_.Write("counter/lib/numbers.js", "module.exports = { version: 1 };\n");
  dir_.Write("counter/counter.js",
             "const numbers = require('./lib/numbers.js');\n"
             "function increment(by) { return by; }\n"
             "function version() { return numbers.version; }\n"
             "module.exports = { increment, version };\n");
  StartHost();
  ASSERT_THAT(Version(), IsOkAndHolds(Value(1)));
  dir_.Write("counter/lib/numbers.js", "module.exports = { version: 7 };\n");
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(
      log_.Matching("reloaded counter"),
      ElementsAre("[info] duet: reloaded counter (lib/numbers.js changed)"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(7)));
}

TEST_F(WatchTest, ToolChurnAndEditorLeftoversAreNotChanges) {
  StartHost();
  // Written first, then a real edit: had any of them counted, the reload's
  // line would name it, or a second reload would follow.
  dir_.Write("counter/node_modules/dep/index.js", "module.exports = 1;\n");
  dir_.Write("counter/__pycache__/counter.cpython-311.pyc", "x");
  dir_.Write("counter/.git/index", "x");
  dir_.Write("counter/.counter.js.swp", "x");
  dir_.Write("counter/counter.js~", "x");
  dir_.Write("counter/counter.js", CounterJs(5));
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(
      log_.Matching("reloaded counter"),
      ElementsAre("[info] duet: reloaded counter (counter.js changed)"));
  // The marker: nothing else was pending before it.
  dir_.Write("counter/counter.py", "def version():\n    return 6\n");
  ASSERT_TRUE(log_.WaitFor("reloaded counter", 2));
  EXPECT_THAT(
      log_.Matching("reloaded counter"),
      ElementsAre("[info] duet: reloaded counter (counter.js changed)",
                  "[info] duet: reloaded counter (counter.py changed)"));
}

TEST_F(WatchTest, ASingleFilePluginIsWatched) {
  dir_.Write("hello.py", "def hi():\n    return 'hi'\n");
  StartHost();
  ASSERT_THAT(host_->Call("hello.hi", {}), IsOkAndHolds(Value("hi")));
  SaveByRename("hello.py", "def hi():\n    return 'hello again'\n");
  ASSERT_TRUE(log_.WaitFor("reloaded hello"));
  EXPECT_THAT(log_.Matching("reloaded hello"),
              ElementsAre("[info] duet: reloaded hello (hello.py changed)"));
  EXPECT_THAT(host_->Call("hello.hi", {}), IsOkAndHolds(Value("hello again")));
}

TEST_F(WatchTest, APluginLoadedByItselfIsWatched) {
  HostOptions options;
  options.log_sink = log_.Sink();
  options.watch.enabled = true;
  absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(options);
  ASSERT_TRUE(host.ok()) << host.status();
  host_ = *std::move(host);
  ASSERT_THAT(host_->LoadPlugin(dir_.path() / "counter"),
              IsOkAndHolds("counter"));
  ASSERT_OK(host_->Use("counter", Language::kJavaScript));
  dir_.Write("counter/counter.js", CounterJs(8));
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(8)));
}

TEST_F(WatchTest, ANewPluginFolderLoadsOnceItsManifestExists) {
  StartHost();
  // The implementation first: the folder is no plugin until plugin.toml.
  dir_.Write("fresh/fresh.py", "def ping():\n    return 'pong'\n");
  dir_.Write("fresh/plugin.toml",
             "name = \"fresh\"\n[implementations]\npython = \"fresh.py\"\n");
  ASSERT_TRUE(log_.WaitFor("loaded fresh"));
  EXPECT_THAT(log_.Matching("loaded fresh"),
              ElementsAre(absl::StrCat("[info] duet: loaded fresh from ",
                                       fs::canonical(dir_.path()).string(),
                                       "/fresh (new plugin)")));
  EXPECT_THAT(host_->Call("fresh.ping", {}), IsOkAndHolds(Value("pong")));
  // From then on it is watched like the others.
  dir_.Write("fresh/fresh.py", "def ping():\n    return 'pong 2'\n");
  ASSERT_TRUE(log_.WaitFor("reloaded fresh"));
  EXPECT_THAT(host_->Call("fresh.ping", {}), IsOkAndHolds(Value("pong 2")));
}

TEST_F(WatchTest, ANewSingleFilePluginLoadsAndOtherFilesAreLeftAlone) {
  StartHost();
  dir_.Write("notes.txt", "not a plugin");
  dir_.Write("shout.js",
             "module.exports = { shout: (s) => s.toUpperCase() };\n");
  ASSERT_TRUE(log_.WaitFor("loaded shout"));
  EXPECT_THAT(host_->Call("shout.shout", {Value("hey")}),
              IsOkAndHolds(Value("HEY")));
  EXPECT_EQ(log_.Count("notes"), 0) << log_.All();
}

TEST_F(WatchTest, ABrokenNewPluginIsReportedAndTriedAgainWhenFixed) {
  StartHost();
  dir_.Write("fresh/fresh.py", "def ping(:\n");
  dir_.Write("fresh/plugin.toml",
             "name = \"fresh\"\n[implementations]\npython = \"fresh.py\"\n");
  ASSERT_TRUE(log_.WaitFor("the new plugin did not load"));
  EXPECT_THAT(log_.Matching("the new plugin did not load"),
              ElementsAre(HasSubstr("fresh.py:1")));
  dir_.Write("fresh/fresh.py", "def ping():\n    return 'pong'\n");
  ASSERT_TRUE(log_.WaitFor("loaded fresh"));
  EXPECT_THAT(host_->Call("fresh.ping", {}), IsOkAndHolds(Value("pong")));
}

TEST_F(WatchTest, ADeletedPluginKeepsServingWithOneWarning) {
  StartHost();
  ASSERT_THAT(host_->Call("counter.increment", {Value(2)}),
              IsOkAndHolds(Value(2)));
  fs::remove_all(dir_.path() / "counter");
  ASSERT_TRUE(log_.WaitFor("is gone"));
  EXPECT_THAT(
      log_.Matching("is gone"),
      ElementsAre(HasSubstr("[warning] duet: counter: " +
                            (fs::canonical(dir_.path()) / "counter").string() +
                            " is gone; the loaded version keeps serving")));
  EXPECT_THAT(host_->Call("counter.increment", {Value(3)}),
              IsOkAndHolds(Value(5)));
  EXPECT_EQ(log_.Count("reloaded"), 0) << log_.All();

  // Back again: it reloads.
  dir_.Write("counter/counter.py", "def version():\n    return 9\n");
  dir_.Write("counter/counter.js", CounterJs(9));
  dir_.Write("counter/plugin.toml", kManifest);
  ASSERT_TRUE(log_.WaitFor("reloaded counter"));
  EXPECT_THAT(Version(), IsOkAndHolds(Value(9)));
  EXPECT_EQ(log_.Count("is gone"), 1) << log_.All();
}

TEST_F(WatchTest, DestroyingTheHostWhileAChangeIsPendingReturns) {
  StartHost(absl::Seconds(30));
  dir_.Write("counter/counter.js", CounterJs(2));
  RunBounded([&] { host_.reset(); });
  EXPECT_EQ(log_.Count("reloaded"), 0) << log_.All();
  EXPECT_EQ(log_.Count("reload failed"), 0) << log_.All();
}

TEST_F(WatchTest, DestroyingTheHostDuringAReloadStopsIt) {
  StartHost();
  // The new version never finishes loading; the host's destruction must
  // interrupt it and say nothing of a failed reload.
  dir_.Write("counter/counter.js",
             "console.log('loading forever');\nwhile (true) {}\n");
  ASSERT_TRUE(log_.WaitFor("loading forever"));
  RunBounded([&] { host_.reset(); });
  EXPECT_EQ(log_.Count("reloaded"), 0) << log_.All();
  EXPECT_EQ(log_.Count("reload failed"), 0) << log_.All();
}

TEST(WatchOptionsTest, AQuietPeriodOutOfRangeIsRefused) {
  HostOptions options;
  options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
  options.watch.enabled = true;
  options.watch.quiet_period = absl::Milliseconds(-1);
  EXPECT_THAT(Host::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("HostOptions::watch.quiet_period is -1ms")));
  options.watch.quiet_period = absl::Minutes(2);
  EXPECT_THAT(Host::Create(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("it must be from 0 to 1 minute")));
}

}  // namespace
}  // namespace duet
