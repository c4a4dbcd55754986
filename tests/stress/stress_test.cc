// Many threads through one Host at once: calls in both languages, calls that
// cross languages in both directions, implementations switched and plugins
// loaded while it all runs. Bounded in count; every result is checked.
#include <atomic>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "duet/host.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::TempDir;

constexpr int kCallerThreads = 8;
constexpr int kCallsPerThread = 1500;

class StressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostOptions options;
    options.log_sink = [](LogLevel, std::string_view, std::string_view) {};
    host_ = *Host::Create(std::move(options));
    ASSERT_OK_AND_ASSIGN(LoadReport report,
                         host_->LoadPlugins(DUET_STRESS_FIXTURES));
    ASSERT_TRUE(report.problems.empty()) << report.problems[0].status;
  }

  // Records the first wrong result (any thread) for a readable failure.
  void Wrong(std::string what) {
    absl::MutexLock lock(&mutex_);
    if (first_wrong_.empty()) first_wrong_ = std::move(what);
    ++wrong_;
  }

  std::unique_ptr<Host> host_;
  absl::Mutex mutex_;
  std::string first_wrong_;
  int wrong_ = 0;
};

TEST_F(StressTest, ThreadsCallSwitchAndLoadConcurrently) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0};
  std::vector<std::thread> threads;

  for (int t = 0; t < kCallerThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      for (int i = 0; i < kCallsPerThread; ++i) {
        int64_t a = static_cast<int64_t>(random() % 100000);
        int64_t b = static_cast<int64_t>(random() % 100000);
        absl::StatusOr<Value> result;
        Value expected = a + b;
        switch (random() % 5) {
          case 0:
            result = host_->Call("calc", "add", {a, b});
            break;
          case 1:  // crosses languages whenever bridge and calc differ
            result = host_->Call("bridge", "add_via", {a, b});
            break;
          case 2:
            result = host_->Call("bridge", "round_trip", {a, b});
            break;
          case 3: {
            Value payload = Value::Map{{"thread", t},
                                       {"i", i},
                                       {"text", "h\xc3\xa9llo"},
                                       {"list", Value::List{a, b}}};
            expected = payload;
            result = host_->Call("bridge", "echo_via", {payload});
            break;
          }
          default: {
            Language language =
                random() % 2 ? Language::kPython : Language::kJavaScript;
            result =
                host_->Call("calc", "language", {}, {std::nullopt, language});
            expected = std::string(LanguageName(language));
            break;
          }
        }
        ++calls;
        if (!result.ok()) {
          Wrong(absl::StrCat("thread ", t, " call ", i, ": ",
                             result.status().ToString()));
        } else if (!EquivalentByValue(*result, expected)) {
          Wrong(absl::StrCat("thread ", t, " call ", i, ": got ",
                             DebugString(*result), ", expected ",
                             DebugString(expected)));
        }
      }
    });
  }

  // Switchers flip both modules between languages as fast as they can.
  for (const char* module : {"calc", "bridge"}) {
    threads.emplace_back([&, module] {
      for (int i = 0; !stop; ++i) {
        absl::Status status = host_->Use(
            module, i % 2 ? Language::kPython : Language::kJavaScript);
        if (!status.ok()) Wrong(status.ToString());
        absl::SleepFor(absl::Microseconds(200));
      }
    });
  }

  // A loader adds new plugins (copies of calc under new names) and calls
  // them while everything else runs.
  TempDir extra;
  std::atomic<int> loaded{0};
  threads.emplace_back([&] {
    for (int n = 0; n < 6 && !stop; ++n) {
      std::string name = absl::StrCat("extra", n);
      extra.Write(absl::StrCat(name, "/plugin.toml"),
                  absl::StrCat("name = \"", name, "\"\ndefault = \"",
                               n % 2 ? "js" : "py",
                               "\"\n[implementations]\npython = "
                               "\"calc.py\"\njavascript = \"calc.js\"\n"));
      for (const char* file : {"calc.py", "calc.js"}) {
        std::ifstream in(std::string(DUET_STRESS_FIXTURES) + "/calc/" + file);
        std::stringstream text;
        text << in.rdbuf();
        extra.Write(absl::StrCat(name, "/", file), text.str());
      }
      absl::StatusOr<std::string> module =
          host_->LoadPlugin(extra.path() / name);
      if (!module.ok()) {
        Wrong(module.status().ToString());
        continue;
      }
      absl::StatusOr<Value> sum = host_->Call(name, "add", {n, 1});
      if (!sum.ok() || !EquivalentByValue(*sum, Value(n + 1))) {
        Wrong(absl::StrCat(name, ".add failed"));
      }
      ++loaded;
    }
  });

  for (int t = 0; t < kCallerThreads; ++t) threads[t].join();
  stop = true;
  for (size_t t = kCallerThreads; t < threads.size(); ++t) threads[t].join();

  EXPECT_EQ(calls.load(), kCallerThreads * kCallsPerThread);
  EXPECT_EQ(wrong_, 0) << "first: " << first_wrong_;
  EXPECT_GT(loaded.load(), 0);
  // Everything still answers afterwards.
  EXPECT_EQ(*host_->Call("bridge", "add_via", {20, 22}), Value(42));
}

TEST_F(StressTest, OppositeCrossLanguageChainsOnTwoThreadsDoNotDeadlock) {
  // One thread runs the Python bridge, the other the JavaScript one, while
  // calc flips: at any moment the two chains may cross in opposite
  // directions (Python -> JavaScript and JavaScript -> Python).
  std::atomic<int> failures{0};
  auto run = [&](Language bridge_language) {
    for (int i = 0; i < 800; ++i) {
      absl::StatusOr<Value> result = host_->Call(
          "bridge", "round_trip", {i, 1}, {std::nullopt, bridge_language});
      if (!result.ok() || !EquivalentByValue(*result, Value(i + 1))) {
        ++failures;
      }
    }
  };
  std::thread switcher([&] {
    for (int i = 0; i < 400; ++i) {
      (void)host_->Use("calc",
                       i % 2 ? Language::kPython : Language::kJavaScript);
      absl::SleepFor(absl::Microseconds(300));
    }
  });
  std::thread a([&] { run(Language::kPython); });
  std::thread b([&] { run(Language::kJavaScript); });
  a.join();
  b.join();
  switcher.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace duet
