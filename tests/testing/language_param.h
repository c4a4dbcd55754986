// Names the instances of a test suite run once per engine: "python",
// "javascript" (LanguageName), as INSTANTIATE_TEST_SUITE_P's last argument.
#ifndef DUET_TESTS_TESTING_LANGUAGE_PARAM_H_
#define DUET_TESTS_TESTING_LANGUAGE_PARAM_H_

#include <string>

#include "duet/language.h"
#include "gtest/gtest.h"

namespace duet::testing {

inline std::string LanguageParamName(
    const ::testing::TestParamInfo<Language>& info) {
  return std::string(LanguageName(info.param));
}

}  // namespace duet::testing

#endif  // DUET_TESTS_TESTING_LANGUAGE_PARAM_H_
