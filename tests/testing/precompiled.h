// The headers nearly every test file includes, precompiled once for all
// test binaries (tests/CMakeLists.txt): they take most of a small test
// file's compile time.
#ifndef DUET_TESTS_TESTING_PRECOMPILED_H_
#define DUET_TESTS_TESTING_PRECOMPILED_H_

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "duet/host.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

#endif  // DUET_TESTS_TESTING_PRECOMPILED_H_
