// A plugin chooses the status code its caller gets, through a real Host: a
// Python duet.Error("...", "NOT_FOUND") reaches C++ as kNotFound with the
// plugin's message and its ScriptError, and a JavaScript caller in between
// sees e.code "NOT_FOUND"; the same the other way round.
#include <memory>
#include <optional>
#include <string>

#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::testing::HasSubstr;

constexpr char kUsers[] = R"PY(import duet


class NotFound(duet.Error):
    code = "NOT_FOUND"


def find(name):
    if name != "ada":
        raise NotFound(f"no user named {name}")
    return {"name": name}


def check(name):
    return duet.modules.accounts.check(name)
)PY";

constexpr char kAccounts[] = R"JS(import duet from 'duet';

export function check(name) {
  if (name === 'root') {
    throw new duet.Error('root may not log in', 'PERMISSION_DENIED');
  }
  return name;
}

export function lookup(name) {
  try {
    return duet.modules.users.find(name);
  } catch (e) {
    return [e.code, e.name, e.message, e.language];
  }
}

export function find(name) {
  return duet.modules.users.find(name);
}
)JS";

class PluginStatusCodesTest : public ::duet::testing::QuietHostTest {
 protected:
  void SetUp() override {
    QuietHostTest::SetUp();
    if (HasFatalFailure()) return;
    Load("users", Language::kPython, kUsers);
    Load("accounts", Language::kJavaScript, kAccounts);
  }
};

TEST_F(PluginStatusCodesTest, CSeesThePythonPluginsCodeMessageAndStack) {
  absl::StatusOr<Value> result = host_->Call("users", "find", {Value("bob")});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kNotFound)
      << result.status();
  EXPECT_EQ(result.status().message(), "no user named bob");
  std::optional<ScriptError> error = GetScriptError(result.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kPython);
  EXPECT_EQ(error->type, "NotFound");
  EXPECT_EQ(error->message, "no user named bob");
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack.front().function, "find");
  const std::string text = FormatError(result.status());
  EXPECT_THAT(text, HasSubstr("NotFound: no user named bob\n  at find ("));
  EXPECT_THAT(text, HasSubstr("users.py:10:9) [python]"));
}

TEST_F(PluginStatusCodesTest, CSeesTheJavaScriptPluginsCode) {
  absl::StatusOr<Value> result =
      host_->Call("accounts", "check", {Value("root")});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied)
      << result.status();
  EXPECT_EQ(result.status().message(), "root may not log in");
  std::optional<ScriptError> error = GetScriptError(result.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kJavaScript);
  EXPECT_EQ(error->type, "Error");
  EXPECT_THAT(
      FormatError(result.status()),
      HasSubstr("Error: root may not log in\n  at check (accounts.js:5:"));
}

TEST_F(PluginStatusCodesTest, JavaScriptCatchesThePythonCode) {
  EXPECT_THAT(host_->Call("accounts", "lookup", {Value("bob")}),
              IsOkAndHolds(Value(Value::List{"NOT_FOUND", "NotFound",
                                             "no user named bob", "python"})));
}

TEST_F(PluginStatusCodesTest, TheCodeCrossesBothLanguagesUncaught) {
  absl::StatusOr<Value> through_javascript =
      host_->Call("accounts", "find", {Value("bob")});
  EXPECT_EQ(through_javascript.status().code(), absl::StatusCode::kNotFound)
      << through_javascript.status();
  EXPECT_EQ(through_javascript.status().message(), "no user named bob");

  absl::StatusOr<Value> through_python =
      host_->Call("users", "check", {Value("root")});
  EXPECT_EQ(through_python.status().code(), absl::StatusCode::kPermissionDenied)
      << through_python.status();
  std::optional<ScriptError> error = GetScriptError(through_python.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->language, Language::kJavaScript);
  // The JavaScript frame, then the Python one it passed through.
  ASSERT_GE(error->stack.size(), 2u);
  EXPECT_EQ(error->stack[0].language, Language::kJavaScript);
  EXPECT_EQ(error->stack.back().language, Language::kPython);
}

}  // namespace
}  // namespace duet
