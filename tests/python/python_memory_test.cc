// Python and memory: MemoryError, a result too large to convert, and a
// 100 MB string.
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "python_test_fixture.h"

namespace duet::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST_F(PythonRuntimeTest, MemoryErrorIsResourceExhaustedNamingTheModule) {
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("hog", R"PY(
def hog():
    return len(bytearray(1 << 60))

def ok():
    return "ok"
)PY"));
  absl::StatusOr<Value> hogged = CallByName(*plugin, "hog", {});
  EXPECT_THAT(
      hogged,
      StatusIs(absl::StatusCode::kResourceExhausted,
               AllOf(HasSubstr("module 'hog'"), HasSubstr("MemoryError"),
                     HasSubstr("cannot be limited per plugin"))));
  std::optional<ScriptError> error = GetScriptError(hogged.status());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->type, "MemoryError");
  EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));

  ASSERT_OK_AND_ASSIGN(auto repl, runtime_->NewReplSession());
  EXPECT_THAT(repl->Evaluate("bytearray(1 << 60)"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("REPL input ran out of memory")));
  EXPECT_THAT(LoadSource("hog_at_import", "X = bytearray(1 << 60)\n"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("module 'hog_at_import'")));
}

TEST_F(PythonRuntimeTest, AResultTooLargeToConvertIsAnErrorNotAnAbort) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan's shadow memory does not fit under an address-space cap, and its
  // allocator reports running out instead of throwing std::bad_alloc.
  GTEST_SKIP() << "needs a plain allocator under RLIMIT_AS";
#endif
  // 10**8 references to one int cost Python 800 MB but need 4 GB as duet
  // values: with 2 GB more address space allowed than the process uses now,
  // the conversion runs out of memory.
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("big", R"PY(
def big():
    return [0] * 10**8

def ok():
    return "ok"
)PY"));
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_AS, &saved), 0);
  std::ifstream statm("/proc/self/statm");
  rlim_t pages = 0;
  statm >> pages;
  ASSERT_GT(pages, 0u);
  rlimit capped = saved;
  capped.rlim_cur = pages * sysconf(_SC_PAGESIZE) + (rlim_t{2} << 30);
  ASSERT_EQ(setrlimit(RLIMIT_AS, &capped), 0);
  absl::StatusOr<Value> result = CallByName(*plugin, "big", {});
  ASSERT_EQ(setrlimit(RLIMIT_AS, &saved), 0);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kResourceExhausted,
                               HasSubstr("too large to convert")));
  EXPECT_THAT(CallByName(*plugin, "ok", {}), IsOkAndHolds(Value("ok")));
}

TEST_F(PythonRuntimeTest, HundredMegabyteStringRoundTrips) {
  auto probe = Probe();
  std::string big(100 << 20, 'x');
  big[12345] = 'y';
  ASSERT_OK_AND_ASSIGN(Value echoed, CallByName(*probe, "echo", {Value(big)}));
  ASSERT_TRUE(echoed.is_string());
  EXPECT_TRUE(echoed.as_string() == big);
  EXPECT_THAT(CallByName(*probe, "ev", {Value("len('x' * (100 << 20))")}),
              IsOkAndHolds(Value(int64_t{100} << 20)));
}

// A call that makes and drops many small objects (200,000 ints: ~6 MB of
// Python's 1 MiB arenas) finds its memory mapped already on the next call:
// without the arena cache, CPython unmaps each arena as it empties, and the
// next call page-faults every page back in (~1,260 faults here).
TEST_F(PythonRuntimeTest, ObjectsMadeAndDroppedByACallLeaveTheirMemoryMapped) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan's allocator quarantines and remaps freed memory";
#endif
  ASSERT_OK_AND_ASSIGN(auto plugin, LoadSource("churn", R"PY(
def churn(n):
    return sum(list(range(n)))
)PY"));
  const Value n(int64_t{200000});
  const Value sum(int64_t{200000} * 199999 / 2);
  for (int warm = 0; warm < 2; ++warm) {
    ASSERT_THAT(CallByName(*plugin, "churn", {n}), IsOkAndHolds(sum));
  }
  rusage before;
  getrusage(RUSAGE_THREAD, &before);
  ASSERT_THAT(CallByName(*plugin, "churn", {n}), IsOkAndHolds(sum));
  rusage after;
  getrusage(RUSAGE_THREAD, &after);
  EXPECT_LT(after.ru_minflt - before.ru_minflt, 200);
}

}  // namespace
}  // namespace duet::testing
