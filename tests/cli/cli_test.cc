// Runs the built `duet` command as a user would, from the source tree, and
// checks stdout, stderr and the exit code.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "duet/json.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "testing/temp_dir.h"

namespace duet::testing {
namespace {

using ::duet::testing::TempDir;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const std::string kFixtures = DUET_CLI_FIXTURES;

// `duet ARGS...` in the source tree (so `--plugins plugins` is the bundled
// set), with no history file and no inherited DUET_PLUGINS.
ProcessResult Duet(std::vector<std::string> args,
                   const std::string& stdin_text = "") {
  args.insert(args.begin(), DUET_CLI_PATH);
  ProcessOptions options;
  options.stdin_text = stdin_text;
  options.working_directory = DUET_SOURCE_DIR;
  options.environment["DUET_PLUGINS"] = std::nullopt;
  options.environment["DUET_HISTORY"] = "";
  return RunProcess(args, options);
}

// Prints everything the command said when an expectation fails.
std::string Explain(const ProcessResult& r) {
  return "exit code " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out +
         "--- stderr\n" + r.err;
}

// ---- duet call ------------------------------------------------------------

TEST(CliCall, GreetPrintsJson) {
  ProcessResult r =
      Duet({"call", "--plugins", "plugins", "greeter.greet", "\"world\""});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "\"Hello, world!\"\n") << Explain(r);
  EXPECT_EQ(r.err, "");
}

// JSON has no time type: a time result prints as its ISO 8601 string.
TEST(CliCall, TimeResultPrintsAsAnIsoString) {
  TempDir temp;
  temp.Write("clock/plugin.toml",
             "name = \"clock\"\n[implementations]\npython = \"clock.py\"\n"
             "javascript = \"clock.mjs\"\n");
  temp.Write("clock/clock.py",
             "from datetime import datetime, timedelta, timezone\n\n\n"
             "def at(ms):\n"
             "    return [datetime(1970, 1, 1, tzinfo=timezone.utc) +\n"
             "            timedelta(milliseconds=ms)]\n");
  temp.Write("clock/clock.mjs",
             "export function at(ms) { return [new Date(ms)]; }\n");
  for (const char* runtime : {"python", "javascript"}) {
    ProcessResult r = Duet({"call", "--plugins", temp.path().string(),
                            "--runtime", runtime, "clock.at", "-1"});
    EXPECT_EQ(r.exit_code, 0) << runtime << "\n" << Explain(r);
    EXPECT_EQ(r.out, "[\"1969-12-31T23:59:59.999Z\"]\n") << runtime << "\n"
                                                         << Explain(r);
  }
}

TEST(CliCall, RuntimeJavascriptByEitherName) {
  for (const char* name : {"javascript", "js"}) {
    ProcessResult r = Duet({"call", "--plugins", "plugins", "--runtime", name,
                            "greeter.greet", "\"world\""});
    EXPECT_EQ(r.exit_code, 0) << Explain(r);
    EXPECT_EQ(r.out, "\"Hello, world!\"\n") << Explain(r);
  }
  // ... and it really was JavaScript that answered.
  ProcessResult r = Duet(
      {"call", "--plugins", "plugins", "--runtime", "js", "greeter.language"});
  EXPECT_EQ(r.out, "\"javascript\"\n") << Explain(r);
  r = Duet({"call", "--plugins", "plugins", "greeter.language"});
  EXPECT_EQ(r.out, "\"python\"\n") << Explain(r);
}

TEST(CliCall, OptionsMayFollowTheArguments) {
  ProcessResult r = Duet({"call", "greeter.greet", "\"world\"", "--runtime=py",
                          "--plugins=plugins"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "\"Hello, world!\"\n") << Explain(r);
}

TEST(CliCall, StructuredResultsAndUnicode) {
  ProcessResult r = Duet({"call", "--plugins", "plugins", "textstats.top_words",
                          "\"b a c b a\"", "2"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "[[\"a\", 2], [\"b\", 2]]\n") << Explain(r);

  r = Duet({"call", "--plugins", "plugins", "--runtime", "js", "greeter.length",
            "\"👋🏽 héllo\""});
  EXPECT_EQ(r.out, "8\n") << Explain(r);
}

TEST(CliCall, CrossesLanguages) {
  // relay is JavaScript by default; hello is Python only and calls shout,
  // which is JavaScript only: JS -> Python -> JS.
  ProcessResult r =
      Duet({"call", "--plugins", "plugins", "relay.loud_hello", "\"world\""});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "\"HELLO FROM PYTHON, WORLD!\"\n") << Explain(r);
}

TEST(CliCall, PluginOutputGoesToStderr) {
  for (const char* runtime : {"python", "javascript"}) {
    ProcessResult r = Duet({"call", "--plugins", "plugins", "--runtime",
                            runtime, "counter.reset"});
    EXPECT_EQ(r.exit_code, 0) << Explain(r);
    EXPECT_EQ(r.out, "0\n") << Explain(r);
    EXPECT_THAT(r.err, HasSubstr("counter reset (was 0)")) << Explain(r);
  }
}

TEST(CliCall, HostFunctionsAreRegistered) {
  ProcessResult r =
      Duet({"call", "--plugins", "plugins", "relay.banner", "\"hi\""});
  EXPECT_EQ(r.out, "\"[duet] hi\"\n") << Explain(r);
}

TEST(CliCall, UnknownModuleIsOneLine) {
  ProcessResult r = Duet({"call", "--plugins", "plugins", "nope.greet", "1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("duet: "), HasSubstr("nope")));
  EXPECT_EQ(r.out, "");
}

TEST(CliCall, UnknownFunctionIsOneLine) {
  ProcessResult r = Duet({"call", "--plugins", "plugins", "greeter.nope"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("nope"));
  EXPECT_EQ(r.out, "");
}

TEST(CliCall, ArgumentThatIsNotJsonIsOneLine) {
  ProcessResult r = Duet(
      {"call", "--plugins", "plugins", "textstats.top_words", "\"a b\"", "{3"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("argument 2 is not valid JSON"),
                           HasSubstr("offset")));

  // A bare word gets a hint about quoting.
  r = Duet({"call", "--plugins", "plugins", "greeter.greet", "world"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("'\"world\"'"));
}

TEST(CliCall, WrongArgumentTypeIsOneLine) {
  ProcessResult r =
      Duet({"call", "--plugins", "plugins", "greeter.greet", "3"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("string"));
}

TEST(CliCall, ScriptExceptionShowsTypeMessageAndLocation) {
  const std::string dir = kFixtures + "/errors";
  ProcessResult r =
      Duet({"call", "--plugins", dir, "thrower.fail", "\"it broke\""});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, AllOf(HasSubstr("ValueError"), HasSubstr("it broke"),
                           HasSubstr("thrower.py:5")))
      << Explain(r);

  r = Duet({"call", "--plugins", dir, "--runtime", "js", "thrower.fail",
            "\"it broke\""});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, AllOf(HasSubstr("RangeError"), HasSubstr("it broke"),
                           HasSubstr("thrower.js:3")))
      << Explain(r);
}

TEST(CliCall, NegativeNumbersAreArguments) {
  ProcessResult r =
      Duet({"call", "--plugins", "plugins", "counter.increment", "-4"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "-4\n") << Explain(r);
}

// ---- duet list --------------------------------------------------------------

TEST(CliList, Table) {
  ProcessResult r = Duet({"list", "--plugins", "plugins"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("MODULE +ACTIVE +IMPLEMENTATIONS +STATE +"
                                   "EXPORTS"));
  EXPECT_THAT(r.out, ContainsRegex("greeter +python +python, javascript +- +"
                                   "greet, greet_all, language"));
  EXPECT_THAT(r.out, ContainsRegex("relay +javascript +python, javascript"));
  EXPECT_THAT(r.out, ContainsRegex("hello +python +python +- +hello, loud"));
  EXPECT_THAT(r.out, ContainsRegex("shout +javascript +javascript +- +shout"));
  EXPECT_THAT(r.out, ContainsRegex("textstats +python +python, javascript +- +"
                                   "map_words, summary"));
  EXPECT_THAT(r.out, ContainsRegex(
                         "timers +python +python, javascript +- +both, wait"));
  // counter's [state] hooks carry its count across a switch.
  EXPECT_THAT(r.out, ContainsRegex("counter +python +python, javascript +"
                                   "carried +get, increment"));
  EXPECT_EQ(r.err, "") << Explain(r);
}

// [permissions] shows in a second table and in the JSON, as written.
TEST(CliList, ShowsWhatEachPluginIsGranted) {
  TempDir temp;
  temp.Write("files/plugin.toml",
             "name = \"files\"\n[implementations]\njavascript = "
             "\"files.js\"\n[permissions]\nread = [\"data/\"]\n"
             "write = [\"out/\", \"logs/\"]\nenv = [\"HOME\"]\n");
  temp.Write("files/files.js", "export function f() { return 1; }\n");
  temp.Write("files/data/a.txt", "a");
  temp.Write("plain/plugin.toml",
             "name = \"plain\"\n[implementations]\njavascript = "
             "\"plain.js\"\n");
  temp.Write("plain/plain.js", "export function g() { return 2; }\n");

  ProcessResult r = Duet({"list", "--plugins", temp.path().string()});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("MODULE +READ +WRITE +ENV\n"
                                   "files +data/ +out/, logs/ +HOME\n"))
      << Explain(r);
  // A plugin granted nothing has no row.
  EXPECT_THAT(r.out, Not(ContainsRegex("plain +-"))) << Explain(r);

  r = Duet({"list", "--plugins", temp.path().string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << r.out;
  for (const Value& module : parsed->as_map().Find("modules")->as_list()) {
    const Value& permissions = *module.as_map().Find("permissions");
    if (module.as_map().Find("name")->as_string() == "files") {
      EXPECT_EQ(permissions, Value(Value::Map{
                                 {"read", Value::List{"data/"}},
                                 {"write", Value::List{"out/", "logs/"}},
                                 {"env", Value::List{"HOME"}},
                             }));
    } else {
      EXPECT_EQ(permissions, Value(Value::Map{{"read", Value::List{}},
                                              {"write", Value::List{}},
                                              {"env", Value::List{}}}));
    }
  }
  // Without any grant, no second table.
  r = Duet({"list", "--plugins", "plugins"});
  EXPECT_THAT(r.out, Not(HasSubstr("READ"))) << Explain(r);
}

TEST(CliList, Json) {
  ProcessResult r = Duet({"list", "--plugins", "plugins", "--json"});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << r.out;
  ASSERT_TRUE(parsed->is_map());
  const Value* modules = parsed->as_map().Find("modules");
  ASSERT_NE(modules, nullptr);
  ASSERT_TRUE(modules->is_list());

  std::vector<std::string> names;
  const Value* greeter = nullptr;
  const Value* shout = nullptr;
  for (const Value& module : modules->as_list()) {
    const std::string& name = module.as_map().Find("name")->as_string();
    names.push_back(name);
    if (name == "greeter") greeter = &module;
    if (name == "shout") shout = &module;
    if (name == "counter") {
      EXPECT_EQ(*module.as_map().Find("carries_state"), Value(true));
    }
  }
  EXPECT_THAT(names, Contains("textstats"));
  EXPECT_THAT(names, Contains("counter"));
  EXPECT_THAT(names, Contains("relay"));
  EXPECT_THAT(names, Contains("hello"));
  ASSERT_NE(greeter, nullptr);
  ASSERT_NE(shout, nullptr);

  const ValueMap& g = greeter->as_map();
  EXPECT_EQ(*g.Find("active"), Value("python"));
  EXPECT_EQ(*g.Find("version"), Value("0.1.0"));
  EXPECT_EQ(*g.Find("default"), Value("python"));
  EXPECT_EQ(*g.Find("examples"), Value(5));
  EXPECT_EQ(*g.Find("carries_state"), Value(false));
  const Value::List& impls = g.Find("implementations")->as_list();
  ASSERT_THAT(impls, SizeIs(2));
  EXPECT_EQ(*impls[0].as_map().Find("language"), Value("python"));
  EXPECT_EQ(*impls[1].as_map().Find("language"), Value("javascript"));
  EXPECT_THAT(impls[1].as_map().Find("file")->as_string(),
              HasSubstr("greeter.js"));
  EXPECT_THAT(impls[1].as_map().Find("exports")->as_list(),
              Contains(Value("greet")));

  const ValueMap& s = shout->as_map();
  EXPECT_EQ(*s.Find("active"), Value("javascript"));
  EXPECT_THAT(s.Find("implementations")->as_list(), SizeIs(1));
  EXPECT_THAT(parsed->as_map().Find("problems")->as_list(), IsEmpty());
}

// File names need not be UTF-8; what duet prints as JSON always is.
TEST(CliList, JsonIsValidWithANonUtf8DirectoryName) {
  TempDir temp;
  const std::string dir = (temp.path() / "caf\xe9").string();
  temp.Write("caf\xe9/ping\xff.py", "def ping():\n    return 1\n");
  temp.Write("caf\xe9/pong.py", "def pong():\n    return 2\n");
  temp.Write("caf\xe9/broken\xfe/plugin.toml", "name = \n");
  ProcessResult r = Duet({"list", "--json", "--plugins", dir});
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << Explain(r);
  const Value::List& modules = parsed->as_map().Find("modules")->as_list();
  ASSERT_THAT(modules, SizeIs(1)) << Explain(r);
  EXPECT_THAT(modules[0]
                  .as_map()
                  .Find("implementations")
                  ->as_list()[0]
                  .as_map()
                  .Find("file")
                  ->as_string(),
              HasSubstr("caf\xef\xbf\xbd/pong.py"));
  const Value::List& problems = parsed->as_map().Find("problems")->as_list();
  ASSERT_THAT(problems, SizeIs(2)) << Explain(r);
  EXPECT_THAT(problems[0].as_map().Find("location")->as_string(),
              HasSubstr("caf\xef\xbf\xbd/broken\xef\xbf\xbd"));

  r = Duet({"check", "--json", "--plugins", dir});
  parsed = ParseJson(r.out);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << Explain(r);
}

TEST(CliList, BrokenPluginIsReportedAndTheOthersLoad) {
  ProcessResult r = Duet({"list", "--plugins", kFixtures + "/broken"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("good +python"));
  EXPECT_THAT(r.out, Not(HasSubstr("bad ")));
  // One line, naming the file and the line of the unterminated string.
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, ContainsRegex("bad/plugin.toml:3")) << Explain(r);

  r = Duet({"call", "--plugins", kFixtures + "/broken", "good.ping"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "\"pong\"\n");

  r = Duet({"list", "--json", "--plugins", kFixtures + "/broken"});
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Value::List& problems = parsed->as_map().Find("problems")->as_list();
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0].as_map().Find("message")->as_string(),
              HasSubstr("plugin.toml:3"));
}

TEST(CliList, SeveralPluginDirectories) {
  ProcessResult r = Duet(
      {"list", "--plugins", "plugins", "--plugins", kFixtures + "/errors"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("greeter"));
  EXPECT_THAT(r.out, HasSubstr("thrower"));
}

TEST(CliList, MissingPluginDirectory) {
  ProcessResult r = Duet({"list", "--plugins", "no/such/dir"});
  EXPECT_EQ(r.exit_code, 2) << Explain(r);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("no/such/dir"));
}

// ---- duet check -------------------------------------------------------------

TEST(CliCheck, BundledPluginsPass) {
  ProcessResult r = Duet({"check", "--plugins", "plugins"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL"))) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("MODULE +EXAMPLE +LANGUAGE +RESULT +"
                                   "RETURNED"));
  // Each row says what came back.
  EXPECT_THAT(r.out, ContainsRegex("greeter +greet\\(\"world\"\\) +python +"
                                   "pass +\"Hello, world!\""));
  EXPECT_THAT(r.out,
              ContainsRegex("greeter +greet\\(\"world\"\\) +javascript +pass"));
  EXPECT_THAT(r.out, ContainsRegex("relay +loud_hello\\(\"world\"\\) +"
                                   "javascript +pass"));
  EXPECT_THAT(r.out, HasSubstr(" 0 failed"));
}

TEST(CliCheck, TimersPluginPassesInBothLanguages) {
  // Async exports: Python coroutines and JavaScript Promises, each awaiting
  // two timers at once; the shorter finishes first in both.
  ProcessResult r = Duet({"check", "--plugins", "plugins", "timers"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  for (std::string language : {"python", "javascript"}) {
    EXPECT_THAT(r.out, ContainsRegex("timers +both\\(60, 10\\) +" + language +
                                     R"( +pass +\{"first": 60, "second": 10, )"
                                     R"("finished": \["second", "first"\]\})"))
        << Explain(r);
  }
  EXPECT_THAT(r.out, HasSubstr("6 passed, 0 failed")) << Explain(r);
}

TEST(CliCheck, NumbersCompareByValue) {
  // double(1.5) expects 3.0; JavaScript answers 3 (an int) and passes.
  ProcessResult r =
      Duet({"check", "--plugins", kFixtures + "/disagree", "twins"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out,
              ContainsRegex("twins +double\\(1.5\\) +python +pass +3.0"));
  EXPECT_THAT(r.out,
              ContainsRegex("twins +double\\(1.5\\) +javascript +pass +3\n"));
}

TEST(CliCheck, Json) {
  ProcessResult r =
      Duet({"check", "--json", "--plugins", kFixtures + "/wrong_example"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << r.out;
  const ValueMap& top = parsed->as_map();
  EXPECT_EQ(*top.Find("passed"), Value(2));
  EXPECT_EQ(*top.Find("failed"), Value(2));
  EXPECT_EQ(*top.Find("ok"), Value(false));
  const Value::List& results = top.Find("results")->as_list();
  ASSERT_THAT(results, SizeIs(4));
  const ValueMap& failed = results[2].as_map();
  EXPECT_EQ(*failed.Find("module"), Value("mathy"));
  EXPECT_EQ(*failed.Find("call"), Value("add"));
  EXPECT_EQ(*failed.Find("args"), Value(Value::List{2, 2}));
  EXPECT_EQ(*failed.Find("language"), Value("python"));
  EXPECT_EQ(*failed.Find("passed"), Value(false));
  EXPECT_EQ(*failed.Find("expect"), Value(5));
  EXPECT_EQ(*failed.Find("got"), Value(4));
  EXPECT_EQ(*failed.Find("line"), Value(15));
}

TEST(CliCheck, SelectedModulesOnly) {
  ProcessResult r = Duet({"check", "--plugins", "plugins", "counter"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("8 passed, 0 failed")) << Explain(r);
  EXPECT_THAT(r.out, Not(HasSubstr("greeter")));
}

TEST(CliCheck, WrongExampleFailsAndIsNamed) {
  ProcessResult r = Duet({"check", "--plugins", kFixtures + "/wrong_example"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("mathy +add\\(1, 2\\) +python +pass +3"));
  EXPECT_THAT(r.out, ContainsRegex("mathy +add\\(2, 2\\) +python +FAIL +"
                                   "4, expected 5 +\\(plugin.toml:15\\)"))
      << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("mathy +add\\(2, 2\\) +javascript +FAIL"));
  EXPECT_THAT(r.out, HasSubstr("2 passed, 2 failed"));
}

TEST(CliCheck, UnknownModule) {
  ProcessResult r = Duet({"check", "--plugins", "plugins", "nope"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
}

// ---- duet check --fuzz -----------------------------------------------------

// The twins fixture disagrees on purpose: count_items stops counting at 3 in
// JavaScript, initial takes half an emoji there, and double breaks on a
// BigInt past 2^53; size agrees.
TEST(CliFuzz, CatchesAndShrinksDisagreements) {
  ProcessResult r =
      Duet({"check", "--fuzz", "200", "--plugins", kFixtures + "/disagree"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("seed 20240229 (--seed 20240229 repeats"));
  // Shrunk to the smallest list JavaScript miscounts.
  EXPECT_THAT(r.out, ContainsRegex("twins.count_items +DISAGREE +on input "
                                   "[0-9]+, shrunk in [0-9]+ steps? to:\n"
                                   " +count_items\\(\\[0, 0, 0, 0\\]\\)\n"
                                   " +python +4\n"
                                   " +javascript +3\n"))
      << Explain(r);
  // Shrunk to one character beyond the BMP; JavaScript's half of it is a
  // lone surrogate, which duet refuses.
  EXPECT_THAT(r.out, ContainsRegex("initial\\(\"[^\"a]{1,4}\"\\)\n"
                                   " +python +\"[^\"a]{1,4}\"\n"
                                   " +javascript +error: .*surrogate"))
      << Explain(r);
  // The smallest number that becomes a BigInt in JavaScript.
  EXPECT_THAT(r.out, HasSubstr("double(9007199254740992)")) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("twins.size +agree +200 inputs"));
  EXPECT_THAT(r.out, HasSubstr("3 functions disagree, 1 agree"));

  // Deterministic: the same seed finds the same thing.
  ProcessResult again =
      Duet({"check", "--fuzz", "200", "--plugins", kFixtures + "/disagree"});
  EXPECT_EQ(again.out, r.out);
}

TEST(CliFuzz, SeedAndJson) {
  ProcessResult r = Duet({"check", "--fuzz", "50", "--seed", "7", "--json",
                          "--plugins", kFixtures + "/disagree", "twins"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << r.out;
  const ValueMap& top = parsed->as_map();
  EXPECT_EQ(*top.Find("seed"), Value(7));
  EXPECT_EQ(*top.Find("ok"), Value(false));
  bool found = false;
  for (const Value& function : top.Find("functions")->as_list()) {
    const ValueMap& f = function.as_map();
    if (*f.Find("function") != Value("count_items")) continue;
    found = true;
    EXPECT_EQ(*f.Find("agree"), Value(false));
    const ValueMap& counter = f.Find("counterexample")->as_map();
    EXPECT_EQ(*counter.Find("args"),
              Value(Value::List{Value::List{0, 0, 0, 0}}));
    const Value::List& results = counter.Find("results")->as_list();
    ASSERT_THAT(results, SizeIs(2));
    EXPECT_EQ(*results[0].as_map().Find("value"), Value(4));
    EXPECT_EQ(*results[1].as_map().Find("value"), Value(3));
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(CliFuzz, AgreeingModulesPass) {
  ProcessResult r = Duet({"check", "--fuzz", "30", "--plugins", "plugins",
                          "greeter", "textstats"});
  // greeter.language() answers its language by design; everything else
  // agrees except top_words past 2^53.
  EXPECT_THAT(r.out, ContainsRegex("greeter.greet +agree +30 inputs"))
      << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("textstats.word_counts +agree +30 inputs"))
      << Explain(r);
}

// Generated strings include the characters where Python's and JavaScript's
// whitespace differ: str.split() and /\s+/ are told apart with the default
// seed.
TEST(CliFuzz, FindsWhereTheLanguagesDisagreeOnWhitespace) {
  ProcessResult r =
      Duet({"check", "--fuzz", "100", "--plugins", kFixtures + "/whitespace"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("words.words +DISAGREE +on input"))
      << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("1 function disagrees, 0 agree")) << Explain(r);
}

// ---- examples of every kind; runs that name their modules ------------------

TEST(CliCheck, ExamplesExpectNullBytesAndErrorsByType) {
  ProcessResult r = Duet({"check", "--plugins", kFixtures + "/outcomes"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("16 passed, 0 failed")) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("kinds +positive\\(-1\\) +javascript +pass +"
                                   "error: RangeError: n must be 0 or more"))
      << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("kinds +encode\\(\"hi\"\\) +python +pass +"
                                   "\\{\"\\$bytes\": \"aGk=\"\\}"))
      << Explain(r);
}

TEST(CliCheck, ANamedRunJudgesItsModulesAndWarnsAboutBrokenOnes) {
  ProcessResult r = Duet({"check", "--plugins", kFixtures + "/broken", "good"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("duet: warning: plugin not loaded: "))
      << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("1 passed, 0 failed; warning: 1 other "
                               "plugin(s) failed to load"))
      << Explain(r);

  // Every module: the broken plugin fails the run.
  r = Duet({"check", "--plugins", kFixtures + "/broken"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("duet: plugin not loaded: ")) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("1 passed, 0 failed; 1 plugin(s) failed to "
                               "load"))
      << Explain(r);

  r = Duet({"check", "--json", "--plugins", kFixtures + "/broken", "good"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << Explain(r);
  EXPECT_EQ(*parsed->as_map().Find("ok"), Value(true));
}

// ---- --runtime on every command that runs an implementation ---------------

TEST(CliRuntime, CheckRunsTheExamplesOfOneImplementation) {
  ProcessResult r = Duet({"check", "--runtime", "js", "--plugins",
                          kFixtures + "/wrong_example", "mathy"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("1 passed, 1 failed")) << Explain(r);
  EXPECT_THAT(r.out, Not(HasSubstr("python"))) << Explain(r);

  r = Duet(
      {"check", "--runtime", "javascript", "--plugins", "plugins", "hello"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("module 'hello' has no javascript "
                               "implementation"))
      << Explain(r);
}

TEST(CliRuntime, BenchTimesOneImplementation) {
  ProcessResult r =
      Duet({"bench", "--runtime", "py", "--plugins", "plugins", "--seconds",
            "0.05", "--json", "greeter.greet", "\"world\""});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << Explain(r);
  const Value::List& rows = parsed->as_map().Find("implementations")->as_list();
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_EQ(*rows[0].as_map().Find("language"), Value("python"));
}

TEST(CliRuntime, ReplMakesItActiveWhereAModuleHasIt) {
  ProcessResult r = Duet({"repl", "--runtime", "js", "--plugins", "plugins"},
                         "greeter.language()\n"
                         "hello.hello('x')\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, ::testing::StartsWith("'javascript'\n")) << Explain(r);
  // hello is Python only: it stays, and says so once.
  EXPECT_THAT(r.err, HasSubstr("duet: warning: hello has no javascript "
                               "implementation; it stays on python\n"))
      << Explain(r);
  // --lang still picks the prompt's language.
  r = Duet({"repl", "--lang", "js", "--runtime", "py", "--plugins", "plugins"},
           "typeof greeter.language()\n"
           "greeter.language()\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "'string'\n'python'\n") << Explain(r);
}

TEST(CliRuntime, CallAcceptsJsonAndFuzzRefusesARuntime) {
  ProcessResult r = Duet({"call", "--json", "--runtime", "js", "--plugins",
                          "plugins", "greeter.language"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "\"javascript\"\n");
  r = Duet({"check", "--fuzz", "5", "--runtime", "js"});
  EXPECT_EQ(r.exit_code, 2) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("--fuzz compares the implementations; it "
                               "takes no --runtime"));
}

// ---- a piped REPL's exit code ----------------------------------------------

TEST(CliRepl, ExitZeroAndStopOnError) {
  const std::string input = "1 / 0\n1 + 2\n";
  ProcessResult r = Duet({"repl", "--plugins", "plugins"}, input);
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "3\n") << Explain(r);

  r = Duet({"repl", "--exit-zero", "--plugins", "plugins"}, input);
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "3\n") << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("ZeroDivisionError")) << Explain(r);

  r = Duet({"repl", "--stop-on-error", "--plugins", "plugins"}, input);
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "") << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("ZeroDivisionError")) << Explain(r);

  // A failed meta-command stops it too.
  r = Duet({"repl", "--stop-on-error", "--plugins", "plugins"},
           ":use nope js\n1 + 2\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "") << Explain(r);

  r = Duet({"repl", "--exit-zero", "--stop-on-error"});
  EXPECT_EQ(r.exit_code, 2) << Explain(r);

  r = Duet({"help", "repl"});
  EXPECT_THAT(r.out,
              AllOf(HasSubstr("--exit-zero"), HasSubstr("--stop-on-error"),
                    HasSubstr("The exit\ncode is 1 when any input "
                              "failed")));
}

// ---- duet bench -------------------------------------------------------------

TEST(CliBench, JsonHasBothLanguagesAndTheBaseline) {
  ProcessResult r = Duet({"bench", "--plugins", "plugins", "--seconds", "0.05",
                          "--json", "greeter.greet", "\"world\""});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  absl::StatusOr<Value> parsed = ParseJson(r.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << r.out;
  const ValueMap& top = parsed->as_map();
  EXPECT_EQ(*top.Find("module"), Value("greeter"));
  EXPECT_EQ(*top.Find("function"), Value("greet"));
  EXPECT_EQ(*top.Find("args"), Value(Value::List{"world"}));
  EXPECT_EQ(*top.Find("results_agree"), Value(true));
  EXPECT_GE(top.Find("ratio")->as_number(), 1.0);
  const Value::List& rows = top.Find("implementations")->as_list();
  ASSERT_THAT(rows, SizeIs(2));
  std::vector<std::string> languages;
  for (const Value& row : rows) {
    const ValueMap& m = row.as_map();
    languages.push_back(m.Find("language")->as_string());
    EXPECT_GT(m.Find("calls")->as_int(), 0);
    EXPECT_GT(m.Find("calls_per_second")->as_number(), 0);
    const double p10 = m.Find("p10_s")->as_number();
    const double median = m.Find("median_s")->as_number();
    const double p90 = m.Find("p90_s")->as_number();
    EXPECT_GT(median, 0);
    EXPECT_LE(p10, median);
    EXPECT_LE(median, p90);
    EXPECT_EQ(*m.Find("result"), Value("Hello, world!"));
    const Value* baseline = m.Find("baseline");
    ASSERT_NE(baseline, nullptr) << r.out;
    EXPECT_GT(baseline->as_map().Find("median_s")->as_number(), 0);
  }
  EXPECT_THAT(languages, ::testing::ElementsAre("python", "javascript"));
  EXPECT_THAT(top.Find("fastest")->as_string(),
              ::testing::AnyOf("python", "javascript"));
}

TEST(CliBench, DrawsAnSvgChart) {
  const std::string svg = ::testing::TempDir() + "/duet_bench_chart.svg";
  ProcessResult r =
      Duet({"bench", "--plugins", "plugins", "--seconds", "0.05", "--svg", svg,
            "textstats.word_counts", "\"the cat & the <hat>\""});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("chart: " + svg));
  std::ifstream in(svg);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  EXPECT_THAT(text, ::testing::StartsWith("<svg xmlns="));
  EXPECT_THAT(text, HasSubstr("</svg>"));
  EXPECT_THAT(text, HasSubstr("textstats.word_counts(&quot;the cat &amp; the "
                              "&lt;hat&gt;&quot;)"));
  EXPECT_THAT(text, HasSubstr(">Python</text>"));
  EXPECT_THAT(text, HasSubstr(">JavaScript</text>"));
  // Which verdict depends on the timings; one of them is always there.
  EXPECT_THAT(text, ContainsRegex("faster than|No clear difference"));
  EXPECT_THAT(text, HasSubstr("duet no-op"));
  EXPECT_THAT(text, HasSubstr("time per call ("));
}

TEST(CliBench, PrintsBothLanguages) {
  ProcessResult r = Duet({"bench", "--plugins", "plugins", "--seconds", "0.05",
                          "greeter.greet", "\"world\""});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("CALLS/S +MEDIAN +P10 +P90 +DUET NO-OP"));
  const std::string number = " +[0-9.]+ [nmu]?s";
  EXPECT_THAT(r.out, ContainsRegex("\npython +[0-9,]+" + number + number +
                                   number + number));
  EXPECT_THAT(r.out, ContainsRegex("\njavascript +[0-9,]+" + number + number +
                                   number + number));
  // A language is called faster only outside the noise, and the line says
  // which test decided.
  EXPECT_THAT(r.out,
              ContainsRegex("((python|javascript) is [0-9.]+x faster than "
                            "(python|javascript)|No clear difference between "
                            "(python|javascript) and (python|javascript)) "
                            "\\(median .* per call; (bootstrap 95% interval "
                            "of the ratio of medians|p10-p90 ranges)"))
      << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("A call through duet that does nothing costs"));
}

TEST(CliBench, ScriptErrorStopsIt) {
  ProcessResult r = Duet({"bench", "--plugins", kFixtures + "/errors",
                          "--seconds", "0.05", "thrower.fail", "\"x\""});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("ValueError"));
}

// ---- usage ------------------------------------------------------------------

TEST(CliUsage, HelpAndVersion) {
  ProcessResult r = Duet({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, AllOf(HasSubstr("usage: duet"), HasSubstr("bench")));
  r = Duet({"help", "call"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("usage: duet call"));
  r = Duet({"check", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("usage: duet check"));
  r = Duet({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, ContainsRegex("^duet [0-9]+\\.[0-9]+\\.[0-9]+\n$"));
}

TEST(CliUsage, UnknownCommandOrOption) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"frobnicate"},
        {"list", "--frob"},
        {"--json", "list"},
        {"call", "--runtime", "cobol", "greeter.greet"},
        {"call"},
        {"call", "greeter"},
        {"bench", "--seconds", "-1", "greeter.greet"},
        {"check", "--fuzz", "many"},
        {"check", "--seed", "3"},
        {"list", "--svg", "x.svg"},
        {"help", "frobnicate"}}) {
    ProcessResult r = Duet(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << "\n" << Explain(r);
    std::vector<std::string> lines = Lines(r.err);
    ASSERT_THAT(lines, SizeIs(2)) << Explain(r);
    EXPECT_THAT(lines[0], HasSubstr("duet: "));
    EXPECT_THAT(lines[1], HasSubstr("for usage"));
  }
}

TEST(CliUsage, NoCommandWithPipedStdinIsAUsageError) {
  ProcessResult r = Duet({}, "1 + 1\n");
  EXPECT_EQ(r.exit_code, 2) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("no command"));
}

// ---- duet repl (piped) ------------------------------------------------------

TEST(CliRepl, UseSwitchesTheImplementation) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "greeter.language()\n"
                         ":use greeter javascript\n"
                         "greeter.language()\n"
                         "greeter.greet(\"x\")\n"
                         ":use greeter py\n"
                         "greeter.language()\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out,
            "'python'\n"
            "greeter now uses javascript\n"
            "'javascript'\n"
            "'Hello, x!'\n"
            "greeter now uses python\n"
            "'python'\n")
      << Explain(r);
  EXPECT_EQ(r.err, "");
}

TEST(CliRepl, LangSwitchesTheEvaluationLanguage) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "type(1).__name__\n"
                         ":lang js\n"
                         "typeof 1\n"
                         "[1, 2].map(x => x * 2).length\n"
                         "greeter.greet('js')\n"
                         ":lang py\n"
                         "len([1, 2, 3])\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_THAT(lines, SizeIs(7)) << Explain(r);
  EXPECT_EQ(lines[0], "'int'");
  EXPECT_EQ(lines[1], "evaluating javascript");
  EXPECT_THAT(lines[2], HasSubstr("number"));
  EXPECT_EQ(lines[3], "2");
  EXPECT_THAT(lines[4], HasSubstr("Hello, js!"));
  EXPECT_EQ(lines[5], "evaluating python");
  EXPECT_EQ(lines[6], "3");
}

TEST(CliRepl, StartsInTheLanguageAsked) {
  ProcessResult r =
      Duet({"repl", "--plugins", "plugins", "--lang", "js"}, "typeof 1\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("number"));
}

TEST(CliRepl, AnErrorDoesNotEndTheSession) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "1 / 0\n"
                         "x = = 1\n"
                         "1 + 2\n"
                         ":lang js\n"
                         "null.x\n"
                         "40 + 2\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);  // some input failed
  EXPECT_THAT(r.out, HasSubstr("3\n"));
  EXPECT_THAT(r.out, HasSubstr("42\n"));
  EXPECT_THAT(r.err, HasSubstr("ZeroDivisionError"));
  EXPECT_THAT(r.err, HasSubstr("SyntaxError"));
  EXPECT_THAT(r.err, HasSubstr("TypeError"));
}

TEST(CliRepl, ErrorsShowTheirCausesAndKeepTheirTypes) {
  ProcessResult r = Duet(
      {"repl", "--plugins", "plugins"},
      ":use textstats js\n"
      "try:\n"
      "    textstats.top_words('x', -1)\n"
      "except ValueError as e:\n"
      "    caught = e\n"
      "\n"
      "caught, caught.language\n"
      ":lang js\n"
      "throw new Error('save failed', { cause: new TypeError('bad id') })\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);  // the throw failed
  EXPECT_THAT(
      r.out,
      HasSubstr("(RangeError('n must be 0 or more, got -1'), 'javascript')\n"))
      << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("Error: save failed\n  at <repl>:1:7 "
                               "[javascript]\ncaused by: TypeError: bad id\n"
                               "  at <repl>:1:"))
      << Explain(r);
}

TEST(CliRepl, FunctionsCrossBetweenTheReplAndPlugins) {
  // The README's tour: a JavaScript arrow function to the Python
  // textstats.map_words, a Python lambda to the JavaScript one.
  ProcessResult r = Duet({"repl", "--plugins", "plugins", "--lang", "js"},
                         "textstats.map_words('1 2 3', x => x * 2)\n"
                         ":lang py\n"
                         ":use textstats js\n"
                         "textstats.map_words('the cat', lambda w: w[::-1])\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out,
            "[ 2, 4, 6 ]\n"
            "evaluating python\n"
            "textstats now uses javascript\n"
            "['eht', 'tac']\n")
      << Explain(r);
}

TEST(CliRepl, QuitStopsReading) {
  ProcessResult r =
      Duet({"repl", "--plugins", "plugins"}, "1 + 1\n:quit\n2 + 2\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "2\n");
}

// counter's [state] hooks carry the count across each switch.
TEST(CliRepl, StateIsCarriedAcrossASwitch) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "counter.increment(2)\n"
                         ":use counter js\n"
                         "counter.get()\n"
                         "counter.increment(10)\n"
                         ":use counter py\n"
                         "counter.get()\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out,
            "2\n"
            "counter now uses javascript\n"
            "2\n"
            "12\n"
            "counter now uses python\n"
            "12\n")
      << Explain(r);
}

TEST(CliRepl, PluginOutputGoesToStdout) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "counter.reset()\nprint('from python')\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("counter reset (was 0)\n"));
  EXPECT_THAT(r.out, HasSubstr("from python\n"));
}

TEST(CliRepl, WatchReloadsAnEditedPlugin) {
  TempDir dir;
  dir.Write("tally/plugin.toml",
            "name = \"tally\"\n[implementations]\njavascript = \"tally.js\"\n");
  const std::string file =
      dir.Write("tally/tally.js", "exports.version = () => 1;\n").string();
  // The session edits the file itself, then polls (at most 20 s) until the
  // new code answers: the watcher reloads on its own thread.
  ProcessResult r =
      Duet({"repl", "--watch", "--plugins", dir.path().string()},
           "tally.version()\n"
           "_ = open(" +
               ToJson(Value(file)) +
               ", 'w').write('exports.version = () => 2;\\n')\n"
               "import time\n"
               "deadline = time.time() + 20\n"
               "while tally.version() != 2 and time.time() < deadline: "
               "time.sleep(0.02)\n"
               "\n"
               "tally.version()\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "1\n2\n") << Explain(r);
  EXPECT_EQ(r.err, "duet: info: reloaded tally (tally.js changed)\n")
      << Explain(r);
}

TEST(CliRepl, WatchIsDocumentedAndTakesNoValue) {
  ProcessResult help = Duet({"help", "repl"});
  EXPECT_EQ(help.exit_code, 0) << Explain(help);
  EXPECT_THAT(help.out, HasSubstr("[--watch]"));
  EXPECT_THAT(help.out, HasSubstr("--watch reloads a module"));
  ProcessResult bad = Duet({"repl", "--watch=yes"});
  EXPECT_EQ(bad.exit_code, 2) << Explain(bad);
  EXPECT_THAT(bad.err, HasSubstr("option --watch takes no value"));
  ProcessResult elsewhere = Duet({"call", "--watch", "greeter.greet", "1"});
  EXPECT_EQ(elsewhere.exit_code, 2) << Explain(elsewhere);
  EXPECT_THAT(elsewhere.err,
              HasSubstr("unknown option '--watch' for duet call"));
}

TEST(CliRepl, MultiLineInput) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "def twice(x):\n"
                         "    y = x * 2\n"
                         "    return y\n"
                         "\n"
                         "twice(21)\n"
                         "[1,\n"
                         " 2]\n"
                         ":lang js\n"
                         "function add(a, b) {\n"
                         "  return a + b;\n"
                         "}\n"
                         "add(1, 2)\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("42\n"));
  EXPECT_THAT(r.out, HasSubstr("[1, 2]\n"));
  EXPECT_THAT(r.out, HasSubstr("\n3\n"));
}

TEST(CliRepl, TopLevelAwaitWaitsForTimersInBothLanguages) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "import asyncio\n"
                         "await asyncio.sleep(0.2, result='slept')\n"
                         "async with asyncio.timeout(5):\n"
                         "    waited = await asyncio.sleep(0.01, result=2)\n"
                         "\n"
                         "waited * 21\n"
                         ":lang js\n"
                         "const late = await new Promise(r =>\n"
                         "  setTimeout(() => r(42), 200))\n"
                         "late\n"
                         "await Promise.reject(new TypeError('refused'))\n"
                         "late + 1\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);  // the rejection failed
  EXPECT_EQ(r.out,
            "'slept'\n"
            "42\n"
            "evaluating javascript\n"
            "42\n"
            "43\n")
      << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("TypeError: refused\n  at <repl>:1:22"))
      << Explain(r);
}

TEST(CliRepl, MetaCommandMistakesAreReported) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         ":frob\n"
                         ":use\n"
                         ":use nope js\n"
                         ":use greeter cobol\n"
                         ":use hello js\n"
                         ":lang cobol\n"
                         ":lang\n"
                         ":use greeter\n"
                         ":help\n"
                         ":list\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("unknown command ':frob'"));
  EXPECT_THAT(r.err, HasSubstr("usage: :use"));
  EXPECT_THAT(r.err, HasSubstr("nope"));
  EXPECT_THAT(r.err, HasSubstr("cobol"));
  EXPECT_THAT(r.err, HasSubstr("hello"));
  EXPECT_THAT(r.out, HasSubstr("evaluating python"));
  EXPECT_THAT(r.out, HasSubstr("greeter uses python"));
  EXPECT_THAT(r.out, HasSubstr(":use MODULE [LANGUAGE]"));
  EXPECT_THAT(r.out, ContainsRegex("greeter +python"));
}

TEST(CliRepl, NeverCrashesOnOddInput) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         // An open triple-quoted string swallows lines, as
                         // in Python's REPL; two blank lines give it up.
                         std::string(":\n\n   \n\xff\xfe\n}\n))))\n"
                                     "\"unterminated\n'''\n\n\n") +
                             "import sys; sys.exit(3)\n"
                             "raise SystemExit\n"
                             "greeter.greet()\n"
                             "greeter.greet(1, 2, 3)\n"
                             "greeter.nope()\n" +
                             std::string(100000, 'x') + "\n" +
                             ":lang js\n"
                             "}\n"
                             "throw 42\n"
                             "`unterminated\n\n\n"
                             "greeter.greet({a: 1})\n"
                             "6 * 7\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("42\n")) << Explain(r);
}

TEST(CliRepl, CompareTimeCheckAndMore) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         ":compare textstats.top_words('b a b', 1)\n"
                         ":compare greeter.greet(\"x\")\n"
                         ":compare hello.hello('y')\n"
                         ":time 6 * 7\n"
                         ":check counter\n"
                         ":reload greeter\n"
                         ":load " +
                             kFixtures +
                             "/errors\n"
                             "thrower.ok()\n"
                             ":help compare\n"
                             ":bench greeter.greet('z')\n"
                             ":list\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out,
              ContainsRegex("LANGUAGE +RESULT +TIME\n"
                            "python +\\[\\[\"b\", 2\\]\\] +[0-9.]+ [nmu]?s\n"
                            "javascript +\\[\\[\"b\", 2\\]\\] +[0-9.]+ "
                            "[nmu]?s\nagree"))
      << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("hello has one implementation"));
  EXPECT_THAT(r.out, ContainsRegex("42\ntime: [0-9.]+ [nmu]?s\n"));
  EXPECT_THAT(r.out, HasSubstr("8 passed, 0 failed"));
  EXPECT_THAT(r.out, HasSubstr("reloaded greeter (python active)"));
  EXPECT_THAT(r.out, HasSubstr("loaded thrower\n1\n"));
  EXPECT_THAT(r.out, HasSubstr("usage: :compare MODULE.FN(ARGS...)"));
  EXPECT_THAT(r.out, HasSubstr("greeter.greet(\"z\"): 300 ms per "
                               "implementation"));
  // The bench's baseline plugin stays out of sight, also in :list after it.
  EXPECT_THAT(r.out, ContainsRegex("MODULE +ACTIVE +IMPLEMENTATIONS"))
      << Explain(r);
  EXPECT_THAT(r.out, Not(HasSubstr("_duet_baseline")));
}

TEST(CliRepl, CompareShowsADisagreement) {
  ProcessResult r = Duet({"repl", "--plugins", kFixtures + "/disagree"},
                         ":compare twins.count_items([1, 2, 3, 4, 5])\n"
                         ":list\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("python +5 +[0-9.]+ [nmu]?s\n"
                                   "javascript +3 +[0-9.]+ [nmu]?s\n"
                                   "DISAGREE"))
      << Explain(r);
}

TEST(CliRepl, MetaCommandArgumentMistakes) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         ":compare\n"
                         ":compare greeter\n"
                         ":compare greeter.greet(nope)\n"
                         ":bench nope.greet()\n"
                         ":reload nope\n"
                         ":load /no/such/dir\n"
                         ":help frob\n"
                         ":time\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("usage: :compare"));
  EXPECT_THAT(r.err, HasSubstr("expected module.function(arguments...)"));
  EXPECT_THAT(r.err, HasSubstr("'nope' is not a literal"));
  EXPECT_THAT(r.err, HasSubstr("no module named 'nope'"));
  EXPECT_THAT(r.err, HasSubstr("/no/such/dir"));
  EXPECT_THAT(r.err, HasSubstr("no command 'frob'"));
  EXPECT_THAT(r.err, HasSubstr("usage: :time EXPR"));
}

// ---- duet repl (on a terminal) ---------------------------------------------

using Keys = TerminalStep::Keys;

// Options for a REPL in a pseudo-terminal: no history, no colour, a dumb
// terminal (no cursor movement in the output), unless a test says otherwise.
ProcessOptions TerminalOptions() {
  ProcessOptions options;
  options.working_directory = DUET_SOURCE_DIR;
  options.environment["DUET_PLUGINS"] = std::nullopt;
  options.environment["DUET_HISTORY"] = "";
  options.environment["NO_COLOR"] = "1";
  options.environment["TERM"] = "dumb";
  options.timeout_seconds = 40;
  return options;
}

ProcessResult Terminal(const std::vector<TerminalStep>& steps,
                       const ProcessOptions& options = TerminalOptions(),
                       std::vector<std::string> args = {"repl", "--plugins",
                                                        "plugins"}) {
  args.insert(args.begin(), DUET_CLI_PATH);
  return RunInTerminal(args, steps, options);
}

TEST(CliTerminal, PromptsEditsAndSurvivesCtrlC) {
  ProcessResult r = Terminal({
      {"py> ", "40 + 2\r"},
      {"42", ""},
      // Ctrl-C at the prompt drops the line and prompts again.
      {"py> ", "oops\x03"},
      {"py> ", ":use greeter js\r"},
      {"greeter now uses javascript", ""},
      {"py> ", ":lang js\r"},
      {"js> ", "greeter.language()\r"},
      {"'javascript'", ""},
      {"js> ", "\x04"},  // Ctrl-D leaves
  });
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "") << Explain(r);
  EXPECT_THAT(r.out, Not(HasSubstr("NameError")));  // "oops" never ran
}

TEST(CliTerminal, NoCommandStartsTheRepl) {
  ProcessResult r = Terminal(
      {
          {"py> ", "greeter.greet('tty')\r"},
          {"'Hello, tty!'", ""},
          {"py> ", ":quit\r"},
      },
      TerminalOptions(), {});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "") << Explain(r);
}

TEST(CliTerminal, CtrlCOnAnEmptyLineSaysHowToLeave) {
  ProcessResult r = Terminal({
      {"py> ", "\x03"},
      {"(To leave, press Ctrl-D or type :quit)", ""},
      {"py> ", "\x04"},
  });
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
}

TEST(CliTerminal, TabCompletes) {
  ProcessResult r = Terminal({
      // A module name, then one of its functions.
      {"py> ", "gree\t"},
      {"greeter", ".gre\t"},
      {"greeter.greet", "('tab')\r"},
      {"'Hello, tab!'", ""},
      // Meta-commands, module names after :use, then its languages.
      {"py> ", ":us\t"},
      {":use ", "cou\t"},
      {":use counter ", "\t"},
      {"javascript  python", "j\t\r"},
      {"counter now uses javascript", ""},
      // The language's own globals, from the engine.
      {"py> ", ":lang js\r"},
      {"js> ", "Math.fl\t"},
      {"Math.floor", "(2.5)\r"},
      {"\r\n2\r\n", ""},
      {"js> ", ":quit\r"},
  });
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "") << Explain(r);
}

TEST(CliTerminal, MultiLineInput) {
  ProcessResult r = Terminal({
      // A Python block continues until a blank line.
      {"py> ", "def triple(x):\r"},
      {"... ", "    return x * 3\r"},
      {"... ", "\r"},
      {"py> ", "triple(14)\r"},
      {"42", ""},
      // An open bracket continues in JavaScript.
      {"py> ", ":lang js\r"},
      {"js> ", "[1,\r"},
      {"... ", "2].map(x => x * 10)\r"},
      {"[ 10, 20 ]", ""},
      {"js> ", "\x04"},
  });
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "") << Explain(r);
}

// The loop announces itself (on a line of its own, unlike the echo of the
// input), so Ctrl-C is sent while it surely runs.
TEST(CliTerminal, CtrlCStopsARunawayPythonLoop) {
  ProcessResult r = Terminal({
      {"py> ", "counter.increment(5)\r"},
      {"5", ""},
      {"py> ", "[print('spinning'), exec('while True: pass')]\r"},
      {"\nspinning", "\x03", Keys::kProgram},
      {"KeyboardInterrupt", ""},
      // The session and its plugins, state included, are still there.
      {"py> ", "counter.get()\r"},
      {"5", ""},
      {"py> ", "\x04"},
  });
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
}

TEST(CliTerminal, CtrlCStopsARunawayJavaScriptLoop) {
  ProcessResult r = Terminal(
      {
          {"js> ", "console.log('spinning'); while (true) {}\r"},
          {"\nspinning", "\x03", Keys::kProgram},
          {"Interrupted", ""},
          {"js> ", "greeter.greet('again')\r"},
          {"'Hello, again!'", ""},
          {"js> ", "\x04"},
      },
      TerminalOptions(), {"repl", "--plugins", "plugins", "--lang", "js"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
}

TEST(CliTerminal, CtrlCStopsAPendingAwaitInEitherLanguage) {
  ProcessResult r = Terminal({
      {"py> ", "import asyncio\r"},
      {"py> ", "print('waiting'); await asyncio.sleep(3600)\r"},
      {"\nwaiting", "\x03", Keys::kProgram},
      {"KeyboardInterrupt", ""},
      {"py> ", "await asyncio.sleep(0, result=6 * 7)\r"},
      {"42", ""},
      {"py> ", ":lang js\r"},
      {"js> ", "console.log('waiting'); await new Promise(() => {})\r"},
      {"\nwaiting", "\x03", Keys::kProgram},
      {"Interrupted", ""},
      {"js> ", "await greeter.greet('again')\r"},
      {"'Hello, again!'", ""},
      {"js> ", "\x04"},
  });
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
}

TEST(CliTerminal, HistorySurvivesARestart) {
  const std::string state = ::testing::TempDir() + "/duet_history_state";
  std::filesystem::remove_all(state);
  ProcessOptions options = TerminalOptions();
  options.environment["DUET_HISTORY"] = std::nullopt;
  options.environment["XDG_STATE_HOME"] = state;
  ProcessResult first = Terminal(
      {
          {"py> ", "6 * 7\r"},
          {"42", ""},
          {"py> ", "\x04"},
      },
      options);
  ASSERT_EQ(first.exit_code, 0) << Explain(first);
  std::ifstream file(state + "/duet/history");
  std::string history((std::istreambuf_iterator<char>(file)),
                      std::istreambuf_iterator<char>());
  EXPECT_THAT(history, HasSubstr("6"));

  // Ctrl-P recalls the line from the last session.
  ProcessResult second = Terminal(
      {
          {"py> ", "\x10"},
          {"6 * 7", "\r"},
          {"42", ""},
          {"py> ", "\x04"},
      },
      options);
  EXPECT_EQ(second.exit_code, 0) << Explain(second);
}

TEST(CliTerminal, ColourOnATerminalUnlessNoColor) {
  ProcessOptions options = TerminalOptions();
  options.environment["TERM"] = "xterm-256color";
  options.environment["NO_COLOR"] = std::nullopt;
  const std::vector<TerminalStep> steps = {
      {"py> ", "greeter.greet('c')\r"}, {"Hello, c!", ""}, {"py> ", "1 / 0\r"},
      {"ZeroDivisionError", ""},        {"py> ", "\x04"},
  };
  ProcessResult colour = Terminal(steps, options);
  EXPECT_EQ(colour.exit_code, 0) << Explain(colour);
  EXPECT_THAT(colour.out, HasSubstr("\x1b[32m'Hello, c!'\x1b[0m"));
  EXPECT_THAT(colour.out, HasSubstr("\x1b[31mZeroDivisionError\x1b[0m"));

  options.environment["NO_COLOR"] = "1";
  ProcessResult plain = Terminal(steps, options);
  EXPECT_EQ(plain.exit_code, 0) << Explain(plain);
  EXPECT_THAT(plain.out, HasSubstr("'Hello, c!'"));
  EXPECT_THAT(plain.out, Not(ContainsRegex("\x1b\\[[0-9;]*m")));
}

}  // namespace
}  // namespace duet::testing
