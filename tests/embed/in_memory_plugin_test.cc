// Plugins given as source text (Host::LoadPlugin(PluginSource)) in the real
// engines: no file is written or read, stacks name the display name, and a
// failure at load reports file:line like a plugin on disk.
#include <memory>
#include <string>

#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::duet::testing::StatusIs;
using ::testing::HasSubstr;

using InMemoryPluginTest = ::duet::testing::QuietHostTest;

TEST_F(InMemoryPluginTest, BothEnginesRunTheGivenText) {
  PluginSource source;
  source.module = "memo";
  source.implementations = {
      {Language::kPython, "def twice(x):\n    return x * 2\n", "memo.py"},
      {Language::kJavaScript, "export function twice(x) { return x * 3; }\n",
       "memo.js"}};
  ASSERT_THAT(host_->LoadPlugin(source), IsOkAndHolds("memo"));
  EXPECT_THAT(host_->Call("memo", "twice", {Value(21)}),
              IsOkAndHolds(Value(42)));
  CallOptions javascript;
  javascript.implementation = Language::kJavaScript;
  EXPECT_THAT(host_->Call("memo.twice", {Value(21)}, javascript),
              IsOkAndHolds(Value(63)));
  ASSERT_OK(host_->Reload("memo"));
  EXPECT_THAT(host_->Call("memo", "twice", {Value(4)}), IsOkAndHolds(Value(8)));
}

TEST_F(InMemoryPluginTest, ALoadFailureNamesTheDisplayNameAndLine) {
  PluginSource python;
  python.module = "broken_py";
  python.implementations = {
      {Language::kPython, "x = 1\nraise ValueError('bad')\n", "broken.py"}};
  EXPECT_THAT(host_->LoadPlugin(python),
              StatusIs(absl::StatusCode::kUnknown,
                       HasSubstr("broken.py:2: ValueError: bad")));
  PluginSource javascript;
  javascript.module = "broken_js";
  javascript.implementations = {{Language::kJavaScript,
                                 "const x = 1;\nthrow new Error('bad');\n",
                                 "broken.js"}};
  EXPECT_THAT(host_->LoadPlugin(javascript),
              StatusIs(absl::StatusCode::kUnknown,
                       HasSubstr("broken.js:2: Error: bad")));
}

// An engine's syntax error already starts with file:line:column; the host
// does not name the place a second time.
TEST_F(InMemoryPluginTest, ASyntaxErrorNamesItsPlaceOnce) {
  PluginSource javascript;
  javascript.module = "typo_js";
  javascript.implementations = {
      {Language::kJavaScript, "const x = 1;\nconst y = ;\n", "typo.js"}};
  absl::StatusOr<std::string> loaded = host_->LoadPlugin(javascript);
  ASSERT_FALSE(loaded.ok());
  const std::string message(loaded.status().message());
  EXPECT_THAT(message, HasSubstr("typo.js:2:"));
  EXPECT_EQ(message.find("typo.js"), message.rfind("typo.js")) << message;
}

}  // namespace
}  // namespace duet
