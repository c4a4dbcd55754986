// The engine kit (host/src/duet/engine): what both engines share for
// stopping, carrying a status through a script exception and calling out.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/synchronization/notification.h"
#include "duet/engine/call_out.h"
#include "duet/engine/frames.h"
#include "duet/engine/status_carrier.h"
#include "duet/engine/stop.h"
#include "duet/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::StatusIs;

StackFrame Frame(std::string function, int line) {
  StackFrame frame;
  frame.language = Language::kJavaScript;
  frame.file = "/plugins/spin.mjs";
  frame.line = line;
  frame.function = std::move(function);
  return frame;
}

StopDetails JavaScript(std::vector<StackFrame> stack = {}) {
  StopDetails details;
  details.language = Language::kJavaScript;
  details.engine_name = "JavaScript";
  details.module = "spin";
  details.stack = std::move(stack);
  return details;
}

TEST(StopStatusTest, ADeadlineCarriesWhereItStopped) {
  absl::Status status = StopStatus(
      StopReason::kDeadline, JavaScript({Frame("spin", 3), Frame("", 9)}));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded,
                               "JavaScript execution stopped at its deadline"));
  std::optional<ScriptError> error = GetScriptError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "DeadlineExceeded");
  EXPECT_EQ(error->language, Language::kJavaScript);
  EXPECT_EQ(error->message, "JavaScript execution stopped at its deadline");
  EXPECT_THAT(error->stack, ElementsAre(Frame("spin", 3), Frame("", 9)));
}

TEST(StopStatusTest, AnInterruptIsCancelledAndNamesWhatTheScriptSaw) {
  StopDetails details = JavaScript({Frame("loop", 1)});
  details.language = Language::kPython;
  details.engine_name = "Python";
  details.type = "KeyboardInterrupt";
  absl::Status status = StopStatus(StopReason::kInterrupt, details);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kCancelled,
                               "Python execution interrupted"));
  std::optional<ScriptError> error = GetScriptError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "KeyboardInterrupt");
  EXPECT_EQ(error->language, Language::kPython);
  EXPECT_THAT(error->stack, ElementsAre(Frame("loop", 1)));
}

TEST(StopStatusTest, AStopWithNoStackStillCarriesItsKind) {
  absl::Status status = StopStatus(StopReason::kInterrupt, JavaScript());
  std::optional<ScriptError> error = GetScriptError(status);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "Interrupted");
  EXPECT_TRUE(error->stack.empty());
}

TEST(StopStatusTest, TheHeapLimitNamesTheModuleAndTheLimit) {
  StopDetails details = JavaScript();
  details.memory_mb = 24;
  EXPECT_THAT(
      StopStatus(StopReason::kMemory, details),
      StatusIs(absl::StatusCode::kResourceExhausted,
               HasSubstr("module 'spin' exceeded its JavaScript heap limit "
                         "of 24 MB")));
  EXPECT_THAT(StopStatus(StopReason::kMemory, JavaScript()),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("module 'spin' ran out of JavaScript heap")));
  EXPECT_EQ(GetScriptError(StopStatus(StopReason::kMemory, JavaScript()))->type,
            "OutOfMemory");
}

TEST(StopStatusTest, NoStopIsOk) {
  EXPECT_TRUE(StopStatus(StopReason::kNone, JavaScript()).ok());
}

TEST(StatusCarrierTest, RoundTripsCodeMessageAndPayloads) {
  absl::Status status = absl::NotFoundError("no module 'ghost'");
  status.SetPayload("type.duet.dev/a", absl::Cord("first"));
  status.SetPayload("type.duet.dev/b", absl::Cord(std::string("\0\1\2", 3)));
  std::optional<absl::Status> decoded = DecodeStatus(EncodeStatus(status));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, status);
}

TEST(StatusCarrierTest, RoundTripsAScriptError) {
  absl::Status status =
      StopStatus(StopReason::kDeadline, JavaScript({Frame("spin", 3)}));
  std::optional<absl::Status> decoded = DecodeStatus(EncodeStatus(status));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, status);
  EXPECT_THAT(GetScriptError(*decoded)->stack, ElementsAre(Frame("spin", 3)));
}

TEST(StatusCarrierTest, RefusesBytesItDidNotMake) {
  const std::string good = EncodeStatus(absl::InternalError("boom"));
  EXPECT_FALSE(DecodeStatus("").has_value());
  EXPECT_FALSE(DecodeStatus("not a status at all").has_value());
  // Without the marker, the same bytes are not ours.
  EXPECT_FALSE(DecodeStatus(good.substr(1)).has_value());
  // Cut short anywhere after the marker, or with bytes left over.
  for (size_t size = 0; size < good.size(); ++size) {
    EXPECT_FALSE(DecodeStatus(good.substr(0, size)).has_value()) << size;
  }
  EXPECT_FALSE(DecodeStatus(good + "x").has_value());
  // A code absl does not have.
  std::string bad_code = good;
  bad_code[good.find('\n') + 1] = 99;
  EXPECT_FALSE(DecodeStatus(bad_code).has_value());
}

// Records what the kit asks of the engine, in order.
class RecordingLock : public EngineLock {
 public:
  explicit RecordingLock(std::vector<std::string>* log) : log_(log) {}
  void Release() override { log_->push_back("release"); }
  StopReason Reacquire() override {
    log_->push_back("reacquire");
    return stopped_meanwhile;
  }
  StopReason stopped_meanwhile = StopReason::kNone;

 private:
  std::vector<std::string>* log_;
};

TEST(CallOutTest, TheHostRunsWithTheEngineLockReleased) {
  std::vector<std::string> log;
  RecordingLock lock(&log);
  OutboundResult out = CallOut(lock, [&]() -> absl::StatusOr<Value> {
    log.push_back("host");
    return Value(42);
  });
  EXPECT_THAT(log, ElementsAre("release", "host", "reacquire"));
  EXPECT_THAT(out.result, IsOkAndHolds(Value(42)));
  EXPECT_EQ(out.stopped, StopReason::kNone);
}

TEST(CallOutTest, TheHostsFailureComesBackToTheEngine) {
  std::vector<std::string> log;
  RecordingLock lock(&log);
  OutboundResult out = CallOut(lock, []() -> absl::StatusOr<Value> {
    return absl::NotFoundError("no module 'ghost'");
  });
  EXPECT_THAT(out.result,
              StatusIs(absl::StatusCode::kNotFound, "no module 'ghost'"));
  EXPECT_EQ(out.stopped, StopReason::kNone);
}

TEST(CallOutTest, AStopDuringTheHostCallWinsOverItsResult) {
  std::vector<std::string> log;
  RecordingLock lock(&log);
  lock.stopped_meanwhile = StopReason::kInterrupt;
  OutboundResult out =
      CallOut(lock, []() -> absl::StatusOr<Value> { return Value(1); });
  EXPECT_EQ(out.stopped, StopReason::kInterrupt);
  std::vector<std::string> names_log;
  RecordingLock names_lock(&names_log);
  names_lock.stopped_meanwhile = StopReason::kDeadline;
  EXPECT_EQ(WithoutEngineLock(names_lock, [&] { names_log.push_back("host"); }),
            StopReason::kDeadline);
  EXPECT_THAT(names_log, ElementsAre("release", "host", "reacquire"));
}

TEST(CallOutTest, ArgumentsHaveTheBudgetAndResultsOnlyTheDeadline) {
  CallerLimits limits;
  limits.value_budget_bytes = 100;
  internal::ConversionGuard arguments = ArgumentGuard(limits);
  EXPECT_FALSE(arguments.ChargePayload(1000));
  internal::ConversionGuard results = ResultGuard(limits);
  EXPECT_TRUE(results.ChargePayload(1000));
  limits.deadline = absl::Now() - absl::Seconds(1);
  internal::ConversionGuard late = ResultGuard(limits);
  bool stopped = false;
  for (uint32_t i = 0; i <= internal::kNodesPerClockRead && !stopped; ++i) {
    stopped = !late.CountNode();
  }
  EXPECT_TRUE(stopped);
}

TEST(ArmDeadlineTest, RunsTheStopOnceTheDeadlinePasses) {
  absl::Notification stopped;
  internal::Watchdog::Ticket ticket = ArmDeadline(
      absl::Now() + absl::Milliseconds(10), [&] { stopped.Notify(); });
  EXPECT_TRUE(ticket.armed());
  EXPECT_TRUE(stopped.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

struct TestFrame {
  explicit TestFrame(int id) : id(id) {}
  int id;
  FrameLinks<TestFrame> links;
};

std::vector<int> Ids(const FrameList<TestFrame>& list) {
  std::vector<int> ids;
  list.ForEach([&](TestFrame* frame) { ids.push_back(frame->id); });
  return ids;
}

TEST(FrameListTest, ListsTheRunningFramesNewestFirst) {
  TestFrame a(1), b(2), c(3);
  FrameList<TestFrame> list;
  EXPECT_THAT(Ids(list), ElementsAre());
  list.Add(&a);
  list.Add(&b);
  list.Add(&c);
  EXPECT_THAT(Ids(list), ElementsAre(3, 2, 1));
  list.Remove(&b);  // from the middle
  EXPECT_THAT(Ids(list), ElementsAre(3, 1));
  list.Remove(&c);  // the newest
  EXPECT_THAT(Ids(list), ElementsAre(1));
  list.Add(&b);
  list.Remove(&a);  // the oldest
  EXPECT_THAT(Ids(list), ElementsAre(2));
  list.Remove(&b);
  EXPECT_THAT(Ids(list), ElementsAre());
}

TEST(ThreadFramesTest, ChainsTheThreadsNestedFrames) {
  using Frames = ThreadFrames<TestFrame>;
  ASSERT_EQ(Frames::Innermost(), nullptr);
  TestFrame outer(1), inner(2);
  Frames::Push(&outer);
  Frames::Push(&inner);
  EXPECT_EQ(Frames::Innermost(), &inner);
  EXPECT_EQ(inner.links.outer, &outer);
  EXPECT_EQ(Frames::Find([](const TestFrame* f) { return f->id == 1; }),
            &outer);
  EXPECT_EQ(Frames::Find([](const TestFrame* f) { return f->id == 7; }),
            nullptr);
  // Another thread has a chain of its own.
  TestFrame* seen_elsewhere = &outer;
  std::thread([&] { seen_elsewhere = Frames::Innermost(); }).join();
  EXPECT_EQ(seen_elsewhere, nullptr);
  Frames::Pop(&inner);
  EXPECT_EQ(Frames::Innermost(), &outer);
  Frames::Pop(&outer);
  EXPECT_EQ(Frames::Innermost(), nullptr);
}

TEST(RecordStopTest, TheFirstReasonWins) {
  StopReason stop = StopReason::kNone;
  RecordStop(stop, StopReason::kInterrupt);
  RecordStop(stop, StopReason::kDeadline);
  EXPECT_EQ(stop, StopReason::kInterrupt);
}

}  // namespace
}  // namespace duet::engine
