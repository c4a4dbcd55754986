// Real npm packages, installed by `npm ci`, required and imported by a
// plugin from its own node_modules.
#include "duet/host.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace duet {
namespace {

class NpmPackagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    HostOptions options;
    options.languages = {Language::kJavaScript};
    host_ = Host::Create(std::move(options))->release();
    absl::StatusOr<std::string> loaded = host_->LoadPlugin(DUET_NPM_FIXTURE);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
  }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }
  static Host* host_;
};
Host* NpmPackagesTest::host_ = nullptr;

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

}  // namespace
}  // namespace duet
