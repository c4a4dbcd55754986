// Times crossing from one language to the other through a Host: a Python
// plugin calls a JavaScript one and the reverse, each receiving its own
// language's time type (the contract rows cover each engine alone).
#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/quiet_host.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::duet::testing::IsOkAndHolds;
using ::testing::HasSubstr;

// later(t, ms): t plus ms milliseconds, refusing anything but the
// language's time type; relay(t): later(t, 1) called in the other
// language, and whether it came back as this language's time type.
constexpr char kPython[] = R"PY(
from datetime import datetime, timedelta, timezone

import duet


def later(t, ms):
    if not (isinstance(t, datetime) and t.tzinfo is timezone.utc):
        raise TypeError(f'not a UTC datetime: {t!r}')
    return t + timedelta(milliseconds=ms)


def relay(t):
    back = duet.modules.js_clock.later(t, 1)
    return [isinstance(back, datetime) and back.tzinfo is timezone.utc, back]


def relay_naive():
    return duet.modules.js_clock.later(datetime(2026, 12, 6, 18, 0), 1)
)PY";

constexpr char kJavaScript[] = R"JS(
import duet from 'duet';

export function later(t, ms) {
  if (!(t instanceof Date)) throw new TypeError(`not a Date: ${t}`);
  return new Date(t.getTime() + ms);
}

export function relay(t) {
  const back = duet.modules.py_clock.later(t, 1);
  return [back instanceof Date, back];
}
)JS";

absl::Time Utc(int year, int month, int day, int hour, int millisecond) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0),
                         absl::UTCTimeZone()) +
         absl::Milliseconds(millisecond);
}

class CrossLanguageTimeTest : public ::duet::testing::QuietHostTest {
 protected:
  void SetUp() override {
    QuietHostTest::SetUp();
    if (HasFatalFailure()) return;
    Load("py_clock", Language::kPython, kPython);
    Load("js_clock", Language::kJavaScript, kJavaScript);
  }
};

TEST_F(CrossLanguageTimeTest, PythonToJavaScriptAndBack) {
  EXPECT_THAT(host_->Call("py_clock", "relay",
                          {Value(absl::UnixEpoch() - absl::Milliseconds(1))}),
              IsOkAndHolds(Value(Value::List{true, absl::UnixEpoch()})));
}

TEST_F(CrossLanguageTimeTest, JavaScriptToPythonAndBack) {
  EXPECT_THAT(
      host_->Call("js_clock", "relay", {Value(Utc(2026, 12, 6, 18, 123))}),
      IsOkAndHolds(Value(Value::List{true, Utc(2026, 12, 6, 18, 124)})));
}

TEST_F(CrossLanguageTimeTest, NaiveDatetimeSentToJavaScriptSaysHowToFixIt) {
  absl::StatusOr<Value> result = host_->Call("py_clock", "relay_naive", {});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("naive datetime (no timezone) at args[0]: give it "
                        "one, e.g. datetime.now(timezone.utc)"));
}

}  // namespace
}  // namespace duet
