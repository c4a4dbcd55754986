// The `duet` command's side of typed stubs: `duet stubs`, the signatures in
// `duet list --json`, and the REPL's Tab showing them.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "duet/json.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::duet::testing::ProcessOptions;
using ::duet::testing::ProcessResult;
using ::duet::testing::RunInTerminal;
using ::duet::testing::RunProcess;
using ::duet::testing::TerminalStep;
using ::testing::HasSubstr;

const std::string kPlugins = std::string(DUET_SOURCE_DIR) + "/plugins";

ProcessResult Duet(std::vector<std::string> args) {
  args.insert(args.begin(), DUET_CLI_PATH);
  ProcessOptions options;
  options.environment["DUET_PLUGINS"] = std::nullopt;
  return RunProcess(args, options);
}

TEST(StubsCommand, WritesTheNamedModulesOnly) {
  testing::TempDir dir;
  ProcessResult r = Duet({"--plugins", kPlugins, "stubs", "--out",
                          dir.path().string(), "greeter", "timers"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("wrote 7 files for 2 modules"));
  EXPECT_TRUE(fs::exists(dir.path() / "typescript/modules/greeter.d.ts"));
  EXPECT_TRUE(fs::exists(dir.path() / "python/duet/_modules/timers.pyi"));
  EXPECT_FALSE(fs::exists(dir.path() / "typescript/modules/counter.d.ts"));
}

TEST(StubsCommand, NeedsAnOutputFolder) {
  ProcessResult r = Duet({"--plugins", kPlugins, "stubs"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("stubs needs --out DIR"));
}

TEST(StubsCommand, RefusesAnUnknownModule) {
  testing::TempDir dir;
  ProcessResult r = Duet({"--plugins", kPlugins, "stubs", "--out",
                          dir.path().string(), "no_such_module"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no_such_module"));
  EXPECT_FALSE(fs::exists(dir.path() / "typescript"));
}

TEST(StubsCommand, NamesTheFolderItCannotMake) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "a_file";
  std::ofstream(file) << "not a folder\n";
  ProcessResult r =
      Duet({"--plugins", kPlugins, "stubs", "--out", file.string(), "greeter"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot make folder"));
  EXPECT_THAT(r.err, HasSubstr("a_file"));
}

// The function `name` of module `module` in `duet list --json`.
Value ListedFunction(const Value& listing, std::string_view module,
                     std::string_view name) {
  for (const Value& entry : listing.as_map().Find("modules")->as_list()) {
    if (entry.as_map().Find("name")->as_string() != module) continue;
    for (const Value& function : entry.as_map().Find("functions")->as_list()) {
      if (function.as_map().Find("name")->as_string() == name) return function;
    }
  }
  ADD_FAILURE() << module << "." << name << " is not listed";
  return Value();
}

TEST(ListJson, IncludesEachFunctionsDeclaredTypes) {
  ProcessResult r = Duet({"--plugins", kPlugins, "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Value> listing = ParseJson(r.out);
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_EQ(ToJson(ListedFunction(*listing, "textstats", "top_words")),
            ToJson(Value::Map{
                {"name", "top_words"},
                {"params", Value::List{"string", "int?"}},
                {"returns", "list[list]"},
                {"signature", "top_words(string, int?) -> list[list]"},
                {"languages", Value::List{"python", "javascript"}},
                {"async", Value::List{}},
            }));
  EXPECT_EQ(ToJson(ListedFunction(*listing, "counter", "get")),
            ToJson(Value::Map{
                {"name", "get"},
                {"params", Value::List{}},
                {"returns", "int"},
                {"signature", "get() -> int"},
                {"languages", Value::List{"python", "javascript"}},
                {"async", Value::List{}},
            }));
  EXPECT_EQ(ToJson(ListedFunction(*listing, "timers", "wait")),
            ToJson(Value::Map{
                {"name", "wait"},
                {"params", Value::List{"int"}},
                {"returns", "int"},
                {"signature", "async wait(int) -> int"},
                {"languages", Value::List{"python", "javascript"}},
                {"async", Value::List{"python", "javascript"}},
            }));
  // A single-file plugin declares nothing.
  EXPECT_EQ(ToJson(ListedFunction(*listing, "hello", "hello")),
            ToJson(Value::Map{
                {"name", "hello"},
                {"params", Value()},
                {"returns", Value()},
                {"signature", "hello(...) -> any"},
                {"languages", Value::List{"python"}},
                {"async", Value::List{}},
            }));
}

TEST(StubsTerminal, TabShowsDeclaredSignatures) {
  ProcessOptions options;
  options.working_directory = DUET_SOURCE_DIR;
  options.environment["DUET_PLUGINS"] = std::nullopt;
  options.environment["DUET_HISTORY"] = "";
  options.environment["NO_COLOR"] = "1";
  options.environment["TERM"] = "dumb";
  options.timeout_seconds = 40;
  std::vector<TerminalStep> steps = {
      // Listing a module's functions shows their signatures.
      {"py> ", "counter.\t"},
      {"counter.increment(int) -> int", "increment(\t"},
      // Tab just inside the parentheses shows what the call takes.
      {"counter.increment(int) -> int", "5)\r"},
      {"\r\n5\r\n", ""},
      {"py> ", "timers.wait(\t"},
      {"async timers.wait(int) -> int", "1)\r"},
      {"\r\n1\r\n", ""},
      {"py> ", ":quit\r"},
  };
  ProcessResult r = RunInTerminal(
      {DUET_CLI_PATH, "repl", "--plugins", "plugins"}, steps, options);
  EXPECT_EQ(r.exit_code, 0) << r.err << "\n" << r.out;
  EXPECT_THAT(r.out, HasSubstr("counter.get() -> int"));
}

}  // namespace
}  // namespace duet
