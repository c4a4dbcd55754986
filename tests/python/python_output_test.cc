// print() and sys.stdout / sys.stderr reach the log service, never the
// process's file descriptors, whatever a plugin closes.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "python_test_fixture.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;

TEST_F(PythonRuntimeTest, ClosingStdoutOrStderrDoesNotSilenceLaterPrints) {
  ASSERT_OK_AND_ASSIGN(auto closer, LoadSource("closer", R"PY(
import sys

def close():
    sys.stdout.close()
    sys.stderr.close()
    print("still printing")
    print("to stderr", file=sys.stderr)
    return [sys.stdout.closed, sys.stderr.closed]
)PY"));
  ASSERT_OK_AND_ASSIGN(auto other,
                       LoadSource("other", "def hi():\n    print('hi')\n"));
  EXPECT_THAT(CallByName(*closer, "close", {}),
              IsOkAndHolds(Value(Value::List{false, false})));
  ASSERT_OK(CallByName(*other, "hi", {}).status());
  std::vector<std::string> lines;
  for (const auto& line : services_.logs()) lines.push_back(line.message);
  EXPECT_THAT(lines, ElementsAre("still printing", "to stderr", "hi"));
}

// print() never reaches the process's file descriptors, so a plugin closing
// them (it can: plugins are trusted code) breaks only the application's own
// output, not the log sink.
TEST_F(PythonRuntimeTest, ClosingFileDescriptorsDoesNotBreakPrint) {
  int saved_out = ::dup(1);
  int saved_err = ::dup(2);
  ASSERT_GE(saved_out, 0);
  ASSERT_GE(saved_err, 0);
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("fdcloser", R"PY(
import os
import sys

def close():
    os.close(1)
    os.close(2)
    print("after closing fd 1")
    print("after closing fd 2", file=sys.stderr)
)PY"));
  absl::StatusOr<Value> result = CallByName(*plugin, "close", {});
  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  ASSERT_OK(result.status());
  ASSERT_EQ(services_.logs().size(), 2u);
  EXPECT_EQ(services_.logs()[0].message, "after closing fd 1");
  EXPECT_EQ(services_.logs()[1].message, "after closing fd 2");
}

}  // namespace
}  // namespace duet::testing
