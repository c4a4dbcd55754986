// Errors that keep their types through a real Host: a JavaScript TypeError
// caught with `except TypeError` in Python, wrapped there, and caught again
// in JavaScript; the cause chain in C++ and in FormatError.
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
using ::testing::HasSubstr;

constexpr char kChecker[] = R"JS(
export function check(id) {
  if (typeof id !== 'string') {
    const error = new TypeError('id must be a string',
                                { cause: new RangeError(`got ${typeof id}`) });
    error.field = 'id';
    throw error;
  }
  return id;
}
)JS";

constexpr char kStore[] = R"PY(import duet


def caught(id):
    try:
        duet.modules.checker.check(id)
    except TypeError as e:
        return [type(e).__name__, isinstance(e, duet.ScriptError), e.language,
                e.field, type(e.__cause__).__name__,
                isinstance(e.__cause__, ValueError)]


def find(id):
    try:
        return duet.modules.checker.check(id)
    except TypeError as e:
        raise LookupError(f"lookup failed: {e.message}") from e
)PY";

constexpr char kFront[] = R"JS(import duet from 'duet';

export function caught() {
  try {
    duet.modules.store.find(7);
  } catch (e) {
    return [e.name, e instanceof RangeError, e.cause.name,
            e.cause instanceof TypeError, e.cause.field, e.cause.cause.name,
            e.cause.cause instanceof RangeError];
  }
}

export function lookup() {
  return duet.modules.store.find(7);
}
)JS";

class TypedErrorsTest : public ::duet::testing::QuietHostTest {
 protected:
  void SetUp() override {
    QuietHostTest::SetUp();
    if (HasFatalFailure()) return;
    Load("checker", Language::kJavaScript, kChecker);
    Load("store", Language::kPython, kStore);
    Load("front", Language::kJavaScript, kFront);
  }
};

TEST_F(TypedErrorsTest, AJavaScriptTypeErrorIsCaughtAsTypeErrorInPython) {
  EXPECT_THAT(host_->Call("store", "caught", {Value(7)}),
              IsOkAndHolds(Value(Value::List{"TypeError", true, "javascript",
                                             "id", "RangeError", true})));
}

TEST_F(TypedErrorsTest, JavaScriptSeesThePythonErrorAndItsCauses) {
  EXPECT_THAT(host_->Call("front", "caught", {}),
              IsOkAndHolds(Value(Value::List{"LookupError", true, "TypeError",
                                             true, "id", "RangeError", true})));
}

TEST_F(TypedErrorsTest, CSeesTheChainAndFormatErrorPrintsIt) {
  absl::StatusOr<Value> result = host_->Call("front", "lookup", {});
  ASSERT_FALSE(result.ok());
  std::optional<ScriptError> error = GetScriptError(result.status());
  ASSERT_TRUE(error.has_value()) << result.status();
  EXPECT_EQ(error->language, Language::kPython);
  EXPECT_EQ(error->type, "LookupError");
  EXPECT_EQ(error->builtin_type, "LookupError");
  ASSERT_NE(error->cause, nullptr);
  EXPECT_EQ(error->cause->language, Language::kJavaScript);
  EXPECT_EQ(error->cause->type, "TypeError");
  EXPECT_EQ(error->cause->details, Value(Value::Map{{"field", "id"}}));
  ASSERT_NE(error->cause->cause, nullptr);
  EXPECT_EQ(error->cause->cause->type, "RangeError");
  const std::string text = FormatError(result.status());
  EXPECT_THAT(text, HasSubstr("LookupError: lookup failed: id must be a "
                              "string\n  at find ("));
  EXPECT_THAT(text, HasSubstr("store.py:17:9) [python]\n"
                              "  at lookup (front.js:14:"));
  EXPECT_THAT(text, HasSubstr("\ncaused by: TypeError: id must be a string\n"
                              "  at check (checker.js:4:"));
  EXPECT_THAT(text, HasSubstr("\ncaused by: RangeError: got number\n"
                              "  at check (checker.js:5:"));
}

}  // namespace
}  // namespace duet
