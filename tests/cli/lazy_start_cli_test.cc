// `duet` starts a plugin when it is used: `call` starts the one it calls,
// while `list` and `check` start them all to report every problem. Plugins
// whose top-level code prints show which ones started.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "testing/temp_dir.h"

namespace duet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

ProcessResult Duet(std::vector<std::string> args) {
  args.insert(args.begin(), DUET_CLI_PATH);
  ProcessOptions options;
  options.working_directory = DUET_SOURCE_DIR;
  options.environment["DUET_PLUGINS"] = std::nullopt;
  options.environment["DUET_HISTORY"] = "";
  return RunProcess(args, options);
}

std::string Explain(const ProcessResult& r) {
  return "exit code " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out +
         "--- stderr\n" + r.err;
}

// The lines of `text` that say a plugin started.
std::vector<std::string> StartedLines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, "started p")) out.emplace_back(line);
  }
  return out;
}

// `count` JavaScript plugins p000, p001, ... each printing "started pNNN"
// from its top-level code.
void WritePlugins(const TempDir& dir, int count) {
  for (int i = 0; i < count; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "p%03d", i);
    dir.Write(absl::StrCat(name, "/plugin.toml"),
              absl::StrCat("name = \"", name, "\"\n[implementations]\n",
                           "javascript = \"", name, ".js\"\n"));
    dir.Write(absl::StrCat(name, "/", name, ".js"),
              absl::StrCat("console.log(\"started ", name, "\");\n",
                           "module.exports = { add: (a, b) => a + b };\n"));
  }
}

TEST(CliLazyStart, CallStartsOnlyThePluginItCalls) {
  TempDir dir;
  WritePlugins(dir, 100);
  ProcessResult r =
      Duet({"call", "--plugins", dir.path().string(), "p042.add", "2", "3"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "5\n") << Explain(r);
  std::vector<std::string> started = StartedLines(r.err);
  ASSERT_THAT(started, SizeIs(1)) << Explain(r);
  EXPECT_THAT(started[0], HasSubstr("started p042"));
}

TEST(CliLazyStart, ListStartsEveryPlugin) {
  TempDir dir;
  WritePlugins(dir, 3);
  ProcessResult r = Duet({"list", "--plugins", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(StartedLines(r.err), SizeIs(3)) << Explain(r);
  // Their exports are listed, which only a started plugin knows.
  EXPECT_THAT(r.out, HasSubstr("add")) << Explain(r);
}

TEST(CliLazyStart, ABrokenTopLevelIsAProblemForListAndForItsCaller) {
  TempDir dir;
  WritePlugins(dir, 1);
  dir.Write("broken.py", "def f():\n    return 1\n\nraise ValueError('no')\n");
  // list starts it and reports where it failed.
  ProcessResult r = Duet({"list", "--plugins", dir.path().string()});
  EXPECT_THAT(r.err, HasSubstr("broken.py:4")) << Explain(r);
  EXPECT_THAT(r.out, Not(HasSubstr("broken"))) << Explain(r);

  // A call elsewhere never starts it, so says nothing of it.
  r = Duet({"call", "--plugins", dir.path().string(), "p000.add", "1", "1"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "2\n") << Explain(r);
  EXPECT_THAT(r.err, Not(HasSubstr("broken"))) << Explain(r);

  // Its own caller gets the error a plugin failing at load gives.
  r = Duet({"call", "--plugins", dir.path().string(), "broken.f"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("module 'broken' failed to load: "))
      << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("broken.py:4: ValueError: no")) << Explain(r);
}

}  // namespace
}  // namespace duet::testing
