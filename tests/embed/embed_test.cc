// Runs samples/embed (duet_embed_example) on the bundled plugins and checks
// that it greets from both languages, reaches the host function, overlaps
// two async calls and calls a kept script function from another thread.
#include <regex>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace duet::testing {
namespace {

using ::testing::HasSubstr;

std::string Explain(const ProcessResult& r) {
  return "exit code " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out +
         "--- stderr\n" + r.err;
}

TEST(EmbedExample, GreetsFromBothLanguages) {
  ProcessResult r =
      RunProcess({DUET_EMBED_PATH, std::string(DUET_SOURCE_DIR) + "/plugins"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("python:     Hello, world!\n")) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("javascript: Hello, world!\n")) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("chosen:     python\n")) << Explain(r);
  // relay.banner calls duet.host.app_name(), registered in C++.
  EXPECT_THAT(r.out, HasSubstr("relay:      [embed-example] hi from C++\n"));
  EXPECT_THAT(r.out,
              HasSubstr("\"word_counts\": {\"hello\": 1, \"world\": 1}"));
}

TEST(EmbedExample, RunsTwoAsyncCallsAtOnceAndKeepsAScriptFunction) {
  ProcessResult r =
      RunProcess({DUET_EMBED_PATH, std::string(DUET_SOURCE_DIR) + "/plugins"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  // One after the other, the quick wait could only finish second.
  EXPECT_THAT(r.out, HasSubstr("async:      a 30 ms wait started after a "
                               "600 ms one finished first; both took "))
      << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("kept:       Bonjour, world!\n")) << Explain(r);
}

TEST(EmbedExample, DefaultsToTheSourceTreePlugins) {
  ProcessOptions options;
  options.working_directory = "/";
  ProcessResult r = RunProcess({DUET_EMBED_PATH}, options);
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_THAT(r.out, HasSubstr("javascript: Hello, world!\n"));
}

TEST(EmbedExample, FailsOnAMissingPluginDirectory) {
  ProcessResult r = RunProcess({DUET_EMBED_PATH, "/no/such/plugins"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_THAT(r.err, HasSubstr("/no/such/plugins"));
}

}  // namespace
}  // namespace duet::testing
