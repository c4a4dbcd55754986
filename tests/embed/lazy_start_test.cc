// Starting plugins on first use in the real engines: a script's call of a
// module not started yet starts it, from Python and from JavaScript, and a
// module's top-level code runs once.
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::duet::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

class LazyStartEnginesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostOptions options;
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
    absl::StatusOr<std::unique_ptr<Host>> host =
        Host::Create(std::move(options));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    // duet.host.started(NAME), called by each plugin's top-level code.
    ASSERT_TRUE(
        host_
            ->RegisterFunction(
                "started",
                [this](absl::Span<const Value> args) -> absl::StatusOr<Value> {
                  absl::MutexLock lock(&mutex_);
                  ++started_[args.at(0).as_string()];
                  return Value();
                })
            .ok());
    dir_.Write("a.py",
               "import duet\nduet.host.started('a')\n\n\n"
               "def via_javascript(x):\n    return duet.modules.b.twice(x)\n");
    dir_.Write("b.js",
               "const duet = require('duet');\nduet.host.started('b');\n"
               "module.exports = { twice: (x) => 2 * x };\n");
    dir_.Write("c.js",
               "const duet = require('duet');\nduet.host.started('c');\n"
               "module.exports = { viaPython: (x) => duet.modules.d.half(x) "
               "};\n");
    dir_.Write("d.py",
               "import duet\nduet.host.started('d')\n\n\n"
               "def half(x):\n    return x // 2\n");
    dir_.Write("e.js",
               "const duet = require('duet');\nduet.host.started('e');\n"
               "module.exports = { f: () => 1 };\n");
  }

  std::map<std::string, int> started() {
    absl::MutexLock lock(&mutex_);
    return started_;
  }

  TempDir dir_;
  std::unique_ptr<Host> host_;

 private:
  absl::Mutex mutex_;
  std::map<std::string, int> started_ ABSL_GUARDED_BY(mutex_);
};

TEST_F(LazyStartEnginesTest, ScriptsCallingModulesStartThemOnce) {
  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(dir_.path()));
  EXPECT_THAT(report.loaded, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(started(), IsEmpty());

  // Python calling a JavaScript module, then JavaScript calling a Python one.
  EXPECT_THAT(host_->Call("a", "via_javascript", {21}),
              IsOkAndHolds(Value(42)));
  EXPECT_THAT(started(), ElementsAre(Pair("a", 1), Pair("b", 1)));
  EXPECT_THAT(host_->Call("c", "viaPython", {9}), IsOkAndHolds(Value(4)));
  EXPECT_THAT(host_->Call("c", "viaPython", {9}), IsOkAndHolds(Value(4)));
  EXPECT_THAT(started(), ElementsAre(Pair("a", 1), Pair("b", 1), Pair("c", 1),
                                     Pair("d", 1)));
  // e was never used.
  std::vector<ModuleInfo> modules = host_->ListModules();
  ASSERT_EQ(modules.size(), 5u);
  EXPECT_EQ(modules[4].name, "e");
  EXPECT_FALSE(modules[4].implementations[0].started);
  EXPECT_TRUE(modules[3].implementations[0].started);
}

TEST_F(LazyStartEnginesTest, AnExceptionAtTopLevelIsTheFirstCallersError) {
  dir_.Write("f.js",
             "module.exports = { f: () => 1 };\n"
             "throw new TypeError('not today');\n");
  ASSERT_OK_AND_ASSIGN(LoadReport report, host_->LoadPlugins(dir_.path()));
  EXPECT_THAT(report.problems, IsEmpty());
  // Called from a Python script: the error reaches it, and the caller.
  dir_.Write("g.py",
             "import duet\n\n\ndef call_f():\n    return duet.modules.f.f()\n");
  ASSERT_OK(host_->LoadPlugin(dir_.path() / "g.py").status());
  EXPECT_THAT(host_->Call("g", "call_f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("module 'f' failed to load: ")));
  EXPECT_THAT(host_->Call("f", "f", {}),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("f.js:2: TypeError: not today")));
}

}  // namespace
}  // namespace duet
