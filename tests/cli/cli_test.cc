// Runs the built `duet` command as a user would, from the source tree, and
// checks stdout, stderr and the exit code.
#include <string>
#include <vector>

#include "duet/json.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace duet::testing {
namespace {

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
  EXPECT_THAT(r.out, HasSubstr("MODULE"));
  EXPECT_THAT(r.out, ContainsRegex("greeter +python +python, javascript +"
                                   "greet, greet_all, language"));
  EXPECT_THAT(r.out, ContainsRegex("relay +javascript +python, javascript"));
  EXPECT_THAT(r.out, ContainsRegex("hello +python +python +hello, loud"));
  EXPECT_THAT(r.out, ContainsRegex("shout +javascript +javascript +shout"));
  EXPECT_EQ(r.err, "") << Explain(r);
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
  EXPECT_THAT(r.out,
              ContainsRegex("greeter +greet\\(\"world\"\\) +python +pass"));
  EXPECT_THAT(r.out,
              ContainsRegex("greeter +greet\\(\"world\"\\) +javascript +pass"));
  EXPECT_THAT(r.out, ContainsRegex("relay +loud_hello\\(\"world\"\\) +"
                                   "javascript +pass"));
  EXPECT_THAT(r.out, HasSubstr(" 0 failed"));
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
  EXPECT_THAT(r.out, ContainsRegex("mathy +add\\(1, 2\\) +python +pass"));
  EXPECT_THAT(r.out, ContainsRegex("mathy +add\\(2, 2\\) +python +FAIL +"
                                   "expected 5, got 4 +\\(plugin.toml:15\\)"))
      << Explain(r);
  EXPECT_THAT(r.out, ContainsRegex("mathy +add\\(2, 2\\) +javascript +FAIL"));
  EXPECT_THAT(r.out, HasSubstr("2 passed, 2 failed"));
}

TEST(CliCheck, UnknownModule) {
  ProcessResult r = Duet({"check", "--plugins", "plugins", "nope"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(Lines(r.err), SizeIs(1)) << Explain(r);
}

// ---- duet bench -------------------------------------------------------------

TEST(CliBench, PrintsBothLanguages) {
  ProcessResult r = Duet({"bench", "--plugins", "plugins", "--seconds", "0.05",
                          "greeter.greet", "\"world\""});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("CALLS/S"));
  EXPECT_THAT(r.out, ContainsRegex("\npython +[0-9,]+ +[0-9.]+ [nmu]?s"));
  EXPECT_THAT(r.out, ContainsRegex("\njavascript +[0-9,]+ +[0-9.]+ [nmu]?s"));
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

TEST(CliRepl, QuitStopsReading) {
  ProcessResult r =
      Duet({"repl", "--plugins", "plugins"}, "1 + 1\n:quit\n2 + 2\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "2\n");
}

TEST(CliRepl, StateStaysWithEachImplementation) {
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
            "0\n"
            "10\n"
            "counter now uses python\n"
            "2\n")
      << Explain(r);
}

TEST(CliRepl, PluginOutputGoesToStdout) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         "counter.reset()\nprint('from python')\n");
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("counter reset (was 0)\n"));
  EXPECT_THAT(r.out, HasSubstr("from python\n"));
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
  EXPECT_THAT(r.out, HasSubstr(":use MODULE LANGUAGE"));
  EXPECT_THAT(r.out, ContainsRegex("greeter +python"));
}

TEST(CliRepl, NeverCrashesOnOddInput) {
  ProcessResult r = Duet({"repl", "--plugins", "plugins"},
                         std::string(":\n\n   \n\xff\xfe\n}\n))))\n"
                                     "\"unterminated\n'''\n\n") +
                             "import sys; sys.exit(3)\n"
                             "raise SystemExit\n"
                             "greeter.greet()\n"
                             "greeter.greet(1, 2, 3)\n"
                             "greeter.nope()\n" +
                             std::string(100000, 'x') + "\n" +
                             ":lang js\n"
                             "}\n"
                             "throw 42\n"
                             "`unterminated\n\n"
                             "greeter.greet({a: 1})\n"
                             "6 * 7\n");
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("42\n")) << Explain(r);
}

// ---- duet repl (on a terminal) ---------------------------------------------

TEST(CliTerminal, PromptsEditsAndSurvivesCtrlC) {
  ProcessOptions options;
  options.working_directory = DUET_SOURCE_DIR;
  options.environment["DUET_PLUGINS"] = std::nullopt;
  options.environment["DUET_HISTORY"] = "";
  options.environment["TERM"] = "dumb";
  options.timeout_seconds = 60;
  ProcessResult r = RunInTerminal(
      {DUET_CLI_PATH, "repl", "--plugins", "plugins"},
      {
          {"py> ", "40 + 2\r"},
          {"42", ""},
          // Ctrl-C at the prompt drops the line and prompts again.
          {"py> ", "\x03"},
          {"py> ", ":use greeter js\r"},
          {"greeter now uses javascript", ""},
          {"py> ", ":lang js\r"},
          {"js> ", "greeter.language()\r"},
          {"'javascript'", ""},
          {"js> ", "\x04"},  // Ctrl-D leaves
      },
      options);
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "") << Explain(r);
}

TEST(CliTerminal, NoCommandStartsTheRepl) {
  ProcessOptions options;
  options.working_directory = DUET_SOURCE_DIR;  // ./plugins is the default
  options.environment["DUET_PLUGINS"] = std::nullopt;
  options.environment["DUET_HISTORY"] = "";
  options.environment["TERM"] = "dumb";
  options.timeout_seconds = 60;
  ProcessResult r = RunInTerminal({DUET_CLI_PATH},
                                  {
                                      {"py> ", "greeter.greet('tty')\r"},
                                      {"'Hello, tty!'", ""},
                                      {"py> ", ":quit\r"},
                                  },
                                  options);
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "") << Explain(r);
}

}  // namespace
}  // namespace duet::testing
