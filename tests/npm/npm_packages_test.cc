// Real npm packages, installed by `npm ci` into the fixture's plugins
// directory, used by the plugin below it (tests/npm/CMakeLists.txt). Each
// package row calls one function that loads its package and checks a real
// result; the expected values are what Node.js 20 returns for the same
// calls with the same package versions (package-lock.json).
#include <string>
#include <vector>

#include "duet/host.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

using ::testing::HasSubstr;

class NpmPackagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    HostOptions options;
    options.languages = {Language::kJavaScript};
    options.start_mode = StartMode::kAtLoad;  // load errors show here
    host_ = Host::Create(std::move(options))->release();
    // The plugins directory: its node_modules is one level above the plugin.
    // Not asserted here: GoogleTest reports the tests of a suite whose
    // set-up failed as skipped, which CTest counts as passing. SetUp fails
    // each test instead.
    absl::StatusOr<LoadReport> loaded = host_->LoadPlugins(DUET_NPM_FIXTURE);
    if (!loaded.ok()) {
      load_failure_ = loaded.status().ToString();
    } else if (!loaded->problems.empty()) {
      load_failure_ = loaded->problems[0].status.ToString();
    } else if (loaded->loaded != std::vector<std::string>{"npm_user"}) {
      load_failure_ = "loaded other plugins than npm_user";
    }
  }
  void SetUp() override { ASSERT_TRUE(load_failure_.empty()) << load_failure_; }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }
  static Host* host_;
  static std::string load_failure_;
};
Host* NpmPackagesTest::host_ = nullptr;
std::string NpmPackagesTest::load_failure_;

TEST_F(NpmPackagesTest, CommonJsPackagesThroughMain) {
  ASSERT_OK_AND_ASSIGN(Value summary, host_->Call("npm_user", "summary",
                                                  {Value::List{3, 1, 2}}));
  EXPECT_EQ(summary,
            Value(Value::Map{
                {"sorted", Value::List{1, 2, 3}},
                {"chunks", Value::List{Value::List{1, 2}, Value::List{3}}}}));
  EXPECT_EQ(*host_->Call("npm_user", "duration", {"2 days"}), Value(172800000));
  EXPECT_EQ(*host_->Call("npm_user", "newest",
                         {Value::List{"1.2.3", "1.10.0", "1.9.9"}}),
            Value("1.10.0"));
  EXPECT_EQ(*host_->Call("npm_user", "satisfies", {"2.0.0", "^1.0.0"}),
            Value(false));
}

TEST_F(NpmPackagesTest, EsmOnlyPackagesThroughExports) {
  EXPECT_EQ(*host_->Call("npm_user", "identifier", {"  foo-bar_baz "}),
            Value("fooBarBaz"));
  EXPECT_EQ(*host_->Call("npm_user", "pattern", {"a.b*c"}), Value("a\\.b\\*c"));
}

// A reload reads the plugin again with the same packages root.
TEST_F(NpmPackagesTest, AReloadStillFindsThePackagesAbove) {
  ASSERT_OK(host_->Reload("npm_user"));
  EXPECT_EQ(*host_->Call("npm_user", "duration", {"1s"}), Value(1000));
}

// A plugin loaded by path gets its own folder as the packages root: the
// node_modules one level up is never found.
TEST(NpmPackagesRootTest, APluginLoadedByPathDoesNotSeeThePackagesAbove) {
  HostOptions options;
  options.languages = {Language::kJavaScript};
  options.start_mode = StartMode::kAtLoad;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Host> host,
                       Host::Create(std::move(options)));
  absl::StatusOr<std::string> loaded =
      host->LoadPlugin(std::string(DUET_NPM_FIXTURE) + "/npm_user");
  EXPECT_THAT(loaded,
              testing::StatusIs(absl::StatusCode::kUnknown,
                                HasSubstr("Cannot find module 'lodash'")));
}

struct PackageRow {
  const char* package;
  const char* function;  // of the npm_user plugin (suite.cjs / suite.mjs)
  Value expected;
};

void PrintTo(const PackageRow& row, std::ostream* out) { *out << row.package; }

class PackageSuiteTest : public NpmPackagesTest,
                         public ::testing::WithParamInterface<PackageRow> {};

TEST_P(PackageSuiteTest, OneCallChecksARealResult) {
  const PackageRow& row = GetParam();
  absl::StatusOr<Value> result = host_->Call("npm_user", row.function, {});
  ASSERT_TRUE(result.ok()) << row.package << ": " << result.status();
  EXPECT_EQ(*result, row.expected) << row.package;
}

using L = Value::List;
using M = Value::Map;

// Through require() (suite.cjs) and import() (suite.mjs).
const PackageRow kPackages[] = {
    {"lodash", "lodash", L{"hello-world-foo", L{L{1, 2}, L{3}}}},
    {"dayjs", "dayjs", "2024-04-01"},
    {"date-fns", "date_fns", "2024-02-01"},
    {"luxon", "luxon", "2024-02-04"},
    {"uuid", "uuid", L{true, 4, "93cb7851-852e-51cc-b01c-117ac06e463b"}},
    {"nanoid", "nanoid", L{10, true, true}},
    {"chalk", "chalk", "\x1b[31m\x1b[1mx\x1b[22m\x1b[39m"},
    {"zod", "zod", L{false, M{{"n", 2}}}},
    {"ajv", "ajv", L{true, false, "must be integer"}},
    {"yaml", "yaml", L{M{{"a", 1}, {"b", L{"x", "y"}}}, "c:\n  - 2\n"}},
    {"js-yaml", "js_yaml", L{L{1, "two"}, "k:\n  - 1\n"}},
    {"marked", "marked", "<h1>Hi</h1>\n<p><em>x</em></p>\n"},
    {"semver", "semver", L{"1.3.0", true}},
    {"immer", "immer", L{1, 2, true, true}},
    {"ramda", "ramda", L{3, 4}},
    {"validator", "validator", L{true, false, true}},
    {"qs", "qs", L{M{{"a", M{{"b", "1"}, {"c", "2"}}}}, "a[0]=1&a[1]=2"}},
    {"he", "he", L{"&#x3C;&#xE9;&#x3E;", "&<\xC3\xA9"}},
    {"mustache", "mustache", "Hi &lt;b&gt;!"},
    {"handlebars", "handlebars", "[1][2]"},
    {"papaparse", "papaparse",
     L{L{M{{"a", "1"}, {"b", "2"}}}, "x,y\r\n1,\"q,r\""}},
    {"decimal.js", "decimal_js", "0.3"},
    {"bignumber.js", "bignumber_js", "246913578024691357802469135780"},
    {"change-case", "change_case", L{"fooBarBaz", "foo_bar_baz", "Foo Bar"}},
    {"pluralize", "pluralize", L{"people", "3 boxes"}},
    {"fast-deep-equal", "fast_deep_equal", L{true, false}},
    {"deepmerge", "deepmerge", M{{"a", M{{"x", 1}, {"y", 2}}}, {"l", L{1, 2}}}},
    {"eventemitter3", "eventemitter3", L{L{"a", 1}, "once", L{"b", 2}}},
    {"iconv-lite", "iconv_lite", L{"\xC3\xA9t\xC3\xA9", L{128}}},
    {"htmlparser2", "htmlparser2", L{"div", "p", "br"}},
};

INSTANTIATE_TEST_SUITE_P(ThirtyPackages, PackageSuiteTest,
                         ::testing::ValuesIn(kPackages),
                         [](const ::testing::TestParamInfo<PackageRow>& info) {
                           std::string name = info.param.function;
                           return name;
                         });

}  // namespace
}  // namespace duet
