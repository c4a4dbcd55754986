#include "duet/manifest.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

using ::duet::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kGreeter[] = R"(name = "greeter"
version = "0.1.0"
description = "Greets people"
default = "javascript"

[implementations]
python = "greeter.py"
js = "greeter.js"

[exports.greet]
params = ["string"]
returns = "string"

[exports.pair]
params = ["list[int]", "map[string]?"]

[[examples]]
call = "greet"
args = ["world"]
expect = "Hello, world!"

[[examples]]
call = "pair"
args = [[1, 2], { a = "b" }]
expect = { sum = 3, keys = ["a"], ratio = 0.5 }

[limits]
timeout_ms = 2000
memory_mb = 128
)";

absl::StatusOr<ParsedManifest> Parse(std::string_view text) {
  return ParseManifest(text, "plugins/p/plugin.toml");
}

TEST(ManifestTest, ParsesEverySection) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(kGreeter));
  const Manifest& m = parsed.manifest;
  EXPECT_THAT(parsed.warnings, IsEmpty());
  EXPECT_EQ(m.name, "greeter");
  EXPECT_EQ(m.version, "0.1.0");
  EXPECT_EQ(m.description, "Greets people");
  EXPECT_EQ(m.default_language, Language::kJavaScript);
  EXPECT_EQ(m.implementations.at(Language::kPython), "greeter.py");
  EXPECT_EQ(m.implementations.at(Language::kJavaScript), "greeter.js");
  ASSERT_EQ(m.exports.size(), 2u);
  EXPECT_EQ(m.exports[0].name, "greet");
  EXPECT_EQ(m.exports[0].line, 10);
  EXPECT_EQ(m.exports[0].params[0].ToString(), "string");
  EXPECT_EQ(m.exports[0].returns->ToString(), "string");
  EXPECT_EQ(m.exports[1].params[1].ToString(), "map[string]?");
  EXPECT_FALSE(m.exports[1].returns.has_value());
  ASSERT_EQ(m.examples.size(), 2u);
  EXPECT_EQ(m.examples[0].args, Value::List{"world"});
  EXPECT_EQ(m.examples[0].expect, Value("Hello, world!"));
  EXPECT_EQ(m.examples[1].expect,
            Value(Value::Map{
                {"sum", 3}, {"keys", Value::List{"a"}}, {"ratio", 0.5}}));
  EXPECT_EQ(m.limits.timeout_ms, 2000);
  EXPECT_EQ(m.limits.memory_mb, 128);
}

TEST(ManifestTest, UnknownKeysWarnWithFileAndLine) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(R"(name = "x"
descripton = "typo"
[implementations]
python = "x.py"
[exports.f]
parms = ["int"]
[[examples]]
call = "f"
expect = 1
note = "hm"
[limits]
cpu = 3
)"));
  EXPECT_THAT(
      parsed.warnings,
      ElementsAre(
          "plugins/p/plugin.toml:2:1: unknown key 'descripton' at the top "
          "level (ignored; is it a typo?)",
          "plugins/p/plugin.toml:6:1: unknown key 'parms' in [exports.f] "
          "(ignored; is it a typo?)",
          "plugins/p/plugin.toml:10:1: unknown key 'note' in [[examples]] "
          "(ignored; is it a typo?)",
          "plugins/p/plugin.toml:12:1: unknown key 'cpu' in [limits] "
          "(ignored; is it a typo?)"));
}

TEST(ManifestTest, AnErrorCausedByATypoStillNamesTheTypo) {
  EXPECT_THAT(
      Parse(R"(name = "x"
[implementations]
python = "x.py"
[[examples]]
call = "f"
exepct = 1
)"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("needs 'expect'"),
                     HasSubstr("(also plugins/p/plugin.toml:6:1: "
                               "unknown key 'exepct' in [[examples]]"))));
}

TEST(ManifestTest, ExamplesExpectNullBytesOrAnError) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(R"(name = "x"
[implementations]
python = "x.py"
[[examples]]
call = "nothing"
expect_null = true
[[examples]]
call = "encode"
args = ["hi"]
expect_bytes = "aGk="
[[examples]]
call = "encode"
args = ["\u00e9"]
expect_bytes = "hex:c3 A9"
[[examples]]
call = "size"
args = [{ "$bytes" = "hex:00ff" }, { "$null" = true }, [{ "$null" = true }]]
expect = { empty = { "$bytes" = "" }, none = { "$null" = true } }
[[examples]]
call = "positive"
args = [-1]
raises = "ValueError"
[[examples]]
call = "find"
raises = "NOT_FOUND"
)"));
  EXPECT_THAT(parsed.warnings, IsEmpty());
  const std::vector<Example>& examples = parsed.manifest.examples;
  ASSERT_EQ(examples.size(), 6u);
  EXPECT_EQ(examples[0].expect, Value());
  EXPECT_THAT(examples[0].raises, IsEmpty());
  EXPECT_EQ(examples[1].expect, Value(Bytes(std::string("hi"))));
  EXPECT_EQ(examples[2].expect, Value(Bytes(std::string("\xc3\xa9"))));
  EXPECT_EQ(examples[3].args, (Value::List{Bytes(std::string("\x00\xff", 2)),
                                           Value(), Value::List{Value()}}));
  EXPECT_EQ(examples[3].expect,
            Value(Value::Map{{"empty", Bytes()}, {"none", Value()}}));
  EXPECT_EQ(examples[4].raises, "ValueError");
  EXPECT_EQ(examples[4].line, 19);
  EXPECT_EQ(examples[5].raises, "NOT_FOUND");
  EXPECT_TRUE(examples[5].args.empty());
}

TEST(ManifestTest, ATableWithOtherKeysIsStillAMap) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(R"(name = "x"
[implementations]
python = "x.py"
[[examples]]
call = "f"
args = [{ "$null" = true, other = 1 }, { null = true }]
expect = 1
)"));
  EXPECT_EQ(parsed.manifest.examples[0].args,
            (Value::List{Value::Map{{"$null", true}, {"other", 1}},
                         Value::Map{{"null", true}}}));
}

TEST(ManifestTest, RemembersWhereEachImplementationIsDeclared) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(kGreeter));
  EXPECT_EQ(parsed.manifest.implementation_lines.at(Language::kPython), 7);
  EXPECT_EQ(parsed.manifest.implementation_lines.at(Language::kJavaScript), 8);
}

struct BadManifest {
  const char* name;
  const char* text;
  const char* error;
};

class BadManifestTest : public ::testing::TestWithParam<BadManifest> {};

TEST_P(BadManifestTest, NamesFileLineAndReason) {
  EXPECT_THAT(Parse(GetParam().text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().error)));
}

INSTANTIATE_TEST_SUITE_P(
    Manifests, BadManifestTest,
    ::testing::Values(
        BadManifest{"MalformedToml", "name = \"x\"\nversion = \n",
                    "plugins/p/plugin.toml:2:"},
        BadManifest{"MissingName", "[implementations]\npython = \"a.py\"\n",
                    "plugins/p/plugin.toml: missing required key 'name'"},
        BadManifest{"MissingImplementations", "name = \"x\"\n",
                    "missing required table [implementations]"},
        BadManifest{"NameNotString", "name = 3\n",
                    "plugins/p/plugin.toml:1:8: 'name' must be a string, not "
                    "an integer"},
        BadManifest{"NameNotIdentifier",
                    "name = \"my-plugin\"\n[implementations]\npython = "
                    "\"a.py\"\n",
                    "plugins/p/plugin.toml:1:8: name 'my-plugin' must be an "
                    "identifier"},
        BadManifest{"UnknownLanguage",
                    "name = \"x\"\n[implementations]\nruby = \"a.rb\"\n",
                    "plugins/p/plugin.toml:3:1: unknown language 'ruby'"},
        BadManifest{"ImplementationOutsidePlugin",
                    "name = \"x\"\n[implementations]\npython = \"../a.py\"\n",
                    "must be a relative path inside the plugin"},
        BadManifest{"EmptyImplementations", "name = \"x\"\n[implementations]\n",
                    "names no implementation"},
        BadManifest{"DefaultNotImplemented",
                    "name = \"x\"\ndefault = \"js\"\n[implementations]\npython "
                    "= \"a.py\"\n",
                    "plugins/p/plugin.toml:2:11: default language javascript "
                    "has no entry in [implementations]"},
        BadManifest{"DefaultUnknown",
                    "name = \"x\"\ndefault = \"perl\"\n[implementations]\n"
                    "python = \"a.py\"\n",
                    "unknown language 'perl' for 'default'"},
        BadManifest{"BadType",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[exports.f]\nparams = [\"strng\"]\n",
                    "plugins/p/plugin.toml:5:11: type 'strng' is not a known "
                    "type"},
        BadManifest{"ExampleWithoutExpect",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\n",
                    "needs 'expect'"},
        BadManifest{"ExampleExpectsAndRaises",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect = 1\n"
                    "raises = \"ValueError\"\n",
                    "plugins/p/plugin.toml:7:1: an [[examples]] entry takes "
                    "one of 'expect', 'expect_null', 'expect_bytes' and "
                    "'raises'; this one has 'expect' and 'raises'"},
        BadManifest{"ExampleExpectsNullAndBytes",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect_null = true\n"
                    "expect_bytes = \"aGk=\"\n",
                    "plugins/p/plugin.toml:7:1: an [[examples]] entry takes "
                    "one of"},
        BadManifest{"ExpectNullFalse",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect_null = false\n",
                    "plugins/p/plugin.toml:6:15: 'expect_null' must be true"},
        BadManifest{"ExpectBytesNotBase64",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect_bytes = \"no!\"\n",
                    "plugins/p/plugin.toml:6:16: expect_bytes: bytes must be "
                    "base64, or \"hex:\" and hex digits"},
        BadManifest{"ExpectBytesOddHex",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect_bytes = \"hex:abc\"\n",
                    "plugins/p/plugin.toml:6:16: expect_bytes: hex bytes need "
                    "an even number of digits"},
        BadManifest{"ExpectBytesNotText",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect_bytes = [1]\n",
                    "plugins/p/plugin.toml:6:16: expect_bytes: bytes are "
                    "written as a string"},
        BadManifest{"ArgNullNotTrue",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect = 1\n"
                    "args = [{ \"$null\" = 0 }]\n",
                    "plugins/p/plugin.toml:7:21: args: \"$null\" must be true"},
        BadManifest{"ArgBytesBadHex",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect = 1\n"
                    "args = [{ \"$bytes\" = \"hex:zz\" }]\n",
                    "plugins/p/plugin.toml:7:22: args: 'z' is not a hex digit"},
        BadManifest{"RaisesUnknownStatusCode",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nraises = \"NOT_FOUNDD\"\n",
                    "plugins/p/plugin.toml:6:10: 'raises' wants an error type "
                    "(\"ValueError\") or a status code (\"INVALID_ARGUMENT\"), "
                    "not \"NOT_FOUNDD\""},
        BadManifest{"RaisesOk",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nraises = \"OK\"\n",
                    "'raises' wants an error type"},
        BadManifest{"RaisesEmpty",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nraises = \"\"\n",
                    "'raises' wants an error type"},
        BadManifest{"RaisesNotString",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nraises = true\n",
                    "plugins/p/plugin.toml:6:10: 'raises' must be a string, "
                    "not a boolean"},
        BadManifest{"ExampleWithDate",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[[examples]]\ncall = \"f\"\nexpect = 1979-05-27\n",
                    "plugins/p/plugin.toml:6:10: expect: a date has no duet "
                    "value"},
        BadManifest{"NegativeLimit",
                    "name = \"x\"\n[implementations]\npython = \"a.py\"\n"
                    "[limits]\ntimeout_ms = -5\n",
                    "'timeout_ms' must be an integer from 1 to "
                    "2147483647"}),
    [](const ::testing::TestParamInfo<BadManifest>& info) {
      return info.param.name;
    });

std::string Repeat(std::string_view part, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += part;
  return out;
}

constexpr char kMinimal[] =
    "name = \"x\"\n[implementations]\npython = \"a.py\"\n";

// toml++ recurses per level: each of these overflowed the stack before the
// depth was bounded.
TEST(ManifestTest, RefusesADeeplyDottedKeyNamingTheLine) {
  std::string text =
      absl::StrCat(kMinimal, "[limits]\nx", Repeat(".a", 50000), " = 1\n");
  EXPECT_THAT(Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("plugins/p/plugin.toml:5: keys, tables and "
                                 "arrays nest more than 64 levels deep")));
}

TEST(ManifestTest, RefusesDeeplyNestedInlineTablesArraysAndHeaders) {
  std::string inline_tables = absl::StrCat(
      kMinimal, "[[examples]]\ncall = \"f\"\nexpect = ", Repeat("{a = ", 50000),
      "1", Repeat("}", 50000), "\n");
  std::string arrays =
      absl::StrCat(kMinimal, "[[examples]]\ncall = \"f\"\nexpect = 1\nargs = ",
                   Repeat("[", 50000), Repeat("]", 50000), "\n");
  std::string header = absl::StrCat(kMinimal, "[a", Repeat(".a", 50000), "]\n");
  std::string mixed =
      absl::StrCat(kMinimal, "[[examples]]\ncall = \"f\"\nexpect = ",
                   Repeat("{b.c.d = [", 20), "1", Repeat("]}", 20), "\n");
  EXPECT_THAT(Parse(inline_tables), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("plugin.toml:6: ")));
  EXPECT_THAT(Parse(arrays), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("plugin.toml:7: ")));
  EXPECT_THAT(Parse(header), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("plugin.toml:4: ")));
  EXPECT_THAT(Parse(mixed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nest more than 64 levels deep")));
}

TEST(ManifestTest, ShallowNestingAndBracketsInStringsAndCommentsParse) {
  std::string text =
      absl::StrCat(kMinimal,
                   "# a comment with [[[ and {{{ and a.b.c.d\n"
                   "[[examples]]\ncall = \"f\"  # ]]] }}}\n"
                   "args = [\"[[[{{{\", 'a.b.c', \"\"\"\n[[[\n\"\"\", ",
                   Repeat("[", 30), "1.5", Repeat("]", 30), "]\n",
                   "expect = {a.b.c = {d = [1, {e = 2}]}}\n");
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(text));
  ASSERT_EQ(parsed.manifest.examples.size(), 1u);
  EXPECT_EQ(parsed.manifest.examples[0].args.size(), 4u);
  EXPECT_EQ(parsed.manifest.examples[0].args[0], Value("[[[{{{"));
}

TEST(ManifestTest, RefusesAManifestOverOneMebibyte) {
  std::string text =
      absl::StrCat(kMinimal, "description = \"", Repeat("x", 1 << 20), "\"\n");
  EXPECT_THAT(Parse(text), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("at most 1048576 (1 MiB)")));
}

TEST(ManifestTest, RefusesDeeplyNestedTypes) {
  std::string text =
      absl::StrCat(kMinimal, "[exports.f]\nreturns = \"",
                   Repeat("list[", 50000), "int", Repeat("]", 50000), "\"\n");
  EXPECT_THAT(Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nests more than 16 element types")));
}

struct LimitCase {
  const char* name;
  const char* line;
  const char* error;  // empty: accepted
};

class LimitRangeTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(LimitRangeTest, NamesFileLineAndRange) {
  absl::StatusOr<ParsedManifest> parsed =
      Parse(absl::StrCat(kMinimal, "[limits]\n", GetParam().line, "\n"));
  if (std::string_view(GetParam().error).empty()) {
    EXPECT_OK(parsed.status());
  } else {
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr(GetParam().error)));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Limits, LimitRangeTest,
    ::testing::Values(
        LimitCase{"MemoryInt64Max", "memory_mb = 9223372036854775807",
                  "plugins/p/plugin.toml:5:13: 'memory_mb' must be an integer "
                  "from 1 to 1048576 (MB), not 9223372036854775807"},
        LimitCase{"MemoryWrapsToZeroAsBytes", "memory_mb = 17592186044416",
                  "'memory_mb' must be an integer from 1 to 1048576"},
        LimitCase{"MemoryJustOver", "memory_mb = 1048577",
                  "from 1 to 1048576 (MB), not 1048577"},
        LimitCase{"MemoryZero", "memory_mb = 0", "from 1 to 1048576 (MB)"},
        LimitCase{"MemoryNotInteger", "memory_mb = 1.5", "(MB), not a float"},
        LimitCase{"MemoryMax", "memory_mb = 1048576", ""},
        LimitCase{"TimeoutJustOver", "timeout_ms = 2147483648",
                  "plugins/p/plugin.toml:5:14: 'timeout_ms' must be an "
                  "integer from 1 to 2147483647 (milliseconds), not "
                  "2147483648"},
        LimitCase{"TimeoutNegative", "timeout_ms = -1",
                  "(milliseconds), not -1"},
        LimitCase{"TimeoutZero", "timeout_ms = 0", "(milliseconds), not 0"},
        LimitCase{"TimeoutMax", "timeout_ms = 2147483647", ""}),
    [](const ::testing::TestParamInfo<LimitCase>& info) {
      return info.param.name;
    });

TEST(ManifestTest, ParsesStateHooks) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(R"(name = "counter"
[implementations]
python = "counter.py"

[state]
snapshot = "save"
restore = "load"
)"));
  ASSERT_TRUE(parsed.manifest.state.has_value());
  EXPECT_EQ(parsed.manifest.state->snapshot, "save");
  EXPECT_EQ(parsed.manifest.state->restore, "load");
  EXPECT_EQ(parsed.manifest.state->line, 5);
  EXPECT_THAT(parsed.warnings, IsEmpty());
}

TEST(ManifestTest, StateWithoutItIsUnset) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(kGreeter));
  EXPECT_FALSE(parsed.manifest.state.has_value());
}

TEST(ManifestTest, RefusesIncompleteOrBadStateHooks) {
  constexpr char kHead[] =
      "name = \"c\"\n[implementations]\npython = \"c.py\"\n";
  EXPECT_THAT(Parse(absl::StrCat(kHead, "[state]\nsnapshot = \"save\"\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("plugins/p/plugin.toml:4:1: [state] needs "
                                 "both 'snapshot'")));
  EXPECT_THAT(
      Parse(absl::StrCat(kHead, "[state]\nsnapshot = \"s\"\nrestore = 3\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(":6:11: 'restore' must be a string, not an integer")));
  EXPECT_THAT(Parse(absl::StrCat(
                  kHead, "[state]\nsnapshot = \"a b\"\nrestore = \"r\"\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(":5:12: [state] snapshot 'a b' must be the "
                                 "name of an exported function")));
  EXPECT_THAT(Parse(absl::StrCat(
                  kHead, "[state]\nsnapshot = \"s\"\nrestore = \"s\"\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("they must be two functions")));
  EXPECT_THAT(Parse(absl::StrCat("state = \"yes\"\n", kHead)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("[state] must be a table")));
}

TEST(ManifestTest, WarnsAboutUnknownStateKeys) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest parsed, Parse(R"(name = "c"
[implementations]
python = "c.py"
[state]
snapshot = "s"
restore = "r"
migrate = "m"
)"));
  EXPECT_THAT(parsed.warnings,
              ElementsAre(HasSubstr(":7:1: unknown key 'migrate' in [state]")));
}

TEST(ManifestTest, JavaScriptNodeMakesATrustedImplementation) {
  ASSERT_OK_AND_ASSIGN(ParsedManifest absent, Parse(kGreeter));
  EXPECT_FALSE(absent.manifest.javascript.node);
  constexpr char kHead[] =
      "name = \"t\"\n[implementations]\njavascript = \"t.js\"\n";
  ASSERT_OK_AND_ASSIGN(
      ParsedManifest trusted,
      Parse(absl::StrCat(kHead, "[javascript]\nnode = true\n")));
  EXPECT_TRUE(trusted.manifest.javascript.node);
  EXPECT_THAT(trusted.warnings, IsEmpty());
  ASSERT_OK_AND_ASSIGN(
      ParsedManifest sandboxed,
      Parse(absl::StrCat(kHead, "[javascript]\nnode = false\nnodes = 1\n")));
  EXPECT_FALSE(sandboxed.manifest.javascript.node);
  EXPECT_THAT(sandboxed.warnings,
              ElementsAre(HasSubstr(":6:1: unknown key 'nodes' in "
                                    "[javascript]")));
  EXPECT_THAT(Parse(absl::StrCat(kHead, "[javascript]\nnode = \"yes\"\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(":5:8: 'node' in [javascript] must be true "
                                 "or false, not a string")));
  EXPECT_THAT(Parse(absl::StrCat("javascript = 1\n", kHead)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("[javascript] must be a table")));
}

TEST(ManifestTest, RefusesReservedModuleNames) {
  for (const char* name : {"__proto__", "constructor", "toString", "valueOf",
                           "hasOwnProperty", "__defineGetter__", "__main__"}) {
    EXPECT_THAT(
        Parse(absl::StrCat("\nname = \"", name,
                           "\"\n[implementations]\npython = \"a.py\"\n")),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr("plugins/p/plugin.toml:2:8: name '"),
                       HasSubstr("is reserved"))))
        << name;
  }
  EXPECT_OK(
      Parse("name = \"__x\"\n[implementations]\npython = \"a.py\"\n").status());
}

TEST(ManifestTest, PermissionsKeepEachListAsWritten) {
  absl::StatusOr<ParsedManifest> parsed = Parse(absl::StrCat(
      kMinimal,
      "\n[permissions]\nread = [\"data/\", \"/usr/share/dict\"]\n"
      "write = [\"out/\"]\nenv = [\"HOME\", \"LANG\", \"_X1\"]\n"));
  ASSERT_OK(parsed.status());
  const Permissions& permissions = parsed->manifest.permissions;
  EXPECT_THAT(permissions.read, ElementsAre("data/", "/usr/share/dict"));
  EXPECT_THAT(permissions.write, ElementsAre("out/"));
  EXPECT_THAT(permissions.env, ElementsAre("HOME", "LANG", "_X1"));
  EXPECT_EQ(permissions.line, 5);
  EXPECT_FALSE(permissions.empty());
  EXPECT_THAT(parsed->warnings, IsEmpty());
}

TEST(ManifestTest, NoPermissionsTableGrantsNothing) {
  absl::StatusOr<ParsedManifest> parsed = Parse(kMinimal);
  ASSERT_OK(parsed.status());
  EXPECT_TRUE(parsed->manifest.permissions.empty());
  EXPECT_EQ(parsed->manifest.permissions.line, 0);
  // An empty table or empty lists grant nothing either.
  parsed = Parse(absl::StrCat(kMinimal, "[permissions]\nread = []\n"));
  ASSERT_OK(parsed.status());
  EXPECT_TRUE(parsed->manifest.permissions.empty());
}

struct BadPermissions {
  const char* name;
  const char* table;  // the lines after [permissions] (line 5)
  const char* message;
};

class BadPermissionsTest : public ::testing::TestWithParam<BadPermissions> {};

TEST_P(BadPermissionsTest, NamesTheLineAndTheEntry) {
  EXPECT_THAT(
      Parse(absl::StrCat(kMinimal, "[permissions]\n", GetParam().table)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Permissions, BadPermissionsTest,
    ::testing::Values(
        BadPermissions{"NotAList", "read = \"data/\"\n",
                       "plugins/p/plugin.toml:5:8: [permissions] 'read' must "
                       "be a list of strings, e.g. read = [\"data/\"]; not a "
                       "string"},
        BadPermissions{"NotAString", "write = [\"out/\", 3]\n",
                       "plugins/p/plugin.toml:5:18: [permissions] 'write' must "
                       "be a list of strings; this entry is an integer"},
        BadPermissions{"EmptyPath", "read = [\"\"]\n",
                       "plugins/p/plugin.toml:5:9: [permissions] 'read' has "
                       "an empty string (write \".\" to grant the whole "
                       "plugin folder)"},
        BadPermissions{"NulInPath", "read = [\"a\\u0000b\"]\n",
                       "plugins/p/plugin.toml:5:9: [permissions] read entry "
                       "has a NUL character"},
        BadPermissions{"EnvNotAName", "env = [\"HOME\", \"MY-VAR\"]\n",
                       "plugins/p/plugin.toml:5:16: [permissions] env entry "
                       "'MY-VAR' is not an environment variable name"},
        BadPermissions{"EnvStartsWithDigit", "env = [\"1X\"]\n",
                       "env entry '1X' is not an environment variable name"},
        BadPermissions{"EnvEmpty", "env = [\"\"]\n",
                       "plugins/p/plugin.toml:5:8: [permissions] 'env' has "
                       "an empty string"},
        // A misspelt grant is an error, not a warning: it would grant
        // nothing and be found late.
        BadPermissions{"UnknownKey", "raed = [\"data/\"]\n",
                       "plugins/p/plugin.toml:5:1: unknown key 'raed' in "
                       "[permissions] (expected read, write or env)"}),
    [](const ::testing::TestParamInfo<BadPermissions>& info) {
      return info.param.name;
    });

TEST(ManifestTest, PermissionsThatAreNotATable) {
  EXPECT_THAT(Parse(absl::StrCat("permissions = [\"data/\"]\n", kMinimal)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("plugins/p/plugin.toml:1:15: [permissions] "
                                 "must be a table, e.g. read = [\"data/\"]")));
}

TEST(ManifestTest, MissingFileIsNotFound) {
  EXPECT_THAT(ParseManifestFile("/nonexistent/plugin.toml"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/plugin.toml")));
}

TEST(TypeSpecTest, AcceptsByKind) {
  auto type = [](const char* text) { return *TypeSpec::Parse(text); };
  EXPECT_TRUE(type("float").Accepts(Value(3)));  // JS returns 3.0 as 3
  EXPECT_FALSE(type("int").Accepts(Value(3.5)));
  EXPECT_TRUE(type("string?").Accepts(Value()));
  EXPECT_FALSE(type("string").Accepts(Value()));
  EXPECT_TRUE(type("list[int]").Accepts(Value(Value::List{1, 2})));
  EXPECT_FALSE(type("list[int]").Accepts(Value(Value::List{1, "x"})));
  EXPECT_TRUE(type("map[list[string]]")
                  .Accepts(Value(Value::Map{{"a", Value::List{"x"}}})));
  EXPECT_TRUE(type("any").Accepts(Value(Bytes("x"))));
  EXPECT_EQ(type("map[list[string]?]").ToString(), "map[list[string]?]");
  EXPECT_FALSE(TypeSpec::Parse("int[string]").ok());
  EXPECT_FALSE(TypeSpec::Parse("list[").ok());
}

}  // namespace
}  // namespace duet
