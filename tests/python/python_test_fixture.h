// Shared fixture for the CPython engine's own tests: a RecordingServices, a
// runtime, and a scratch folder plugins are written into. What both engines
// must do alike is tested in tests/contract; these files keep what only
// Python has (the shared interpreter, __all__, sys.exit, print, the GIL).
#ifndef DUET_TESTS_PYTHON_PYTHON_TEST_FIXTURE_H_
#define DUET_TESTS_PYTHON_PYTHON_TEST_FIXTURE_H_

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "duet/error.h"
#include "duet/runtime.h"
#include "duet/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "python/python_runtime.h"
#include "testing/recording_services.h"
#include "testing/runtime_testing.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet::testing {

inline const std::filesystem::path& PythonFixtures() {
  static const std::filesystem::path* fixtures = new std::filesystem::path(
      std::filesystem::path(DUET_SOURCE_DIR) / "tests/python/fixtures");
  return *fixtures;
}

// Helpers any test plugin can use to inspect what crossed the boundary.
inline constexpr char kProbeSource[] = R"PY(
import duet


def echo(*args):
    return args[0] if len(args) == 1 else list(args)


def ev(source):
    return eval(source)


def add(a, b):
    return a + b
)PY";

class PythonRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = CreatePythonRuntime(services_);
    ASSERT_OK(runtime.status());
    runtime_ = *std::move(runtime);
  }

  const std::filesystem::path& temp() const { return dir_.path(); }

  // Writes <temp>/<module>/<file> and returns its path.
  std::filesystem::path Write(const std::string& module,
                              const std::string& file,
                              const std::string& source) {
    return dir_.Write(module + "/" + file, source);
  }

  absl::StatusOr<std::unique_ptr<Implementation>> LoadSource(
      const std::string& module, const std::string& source,
      Runtime* runtime = nullptr) {
    std::filesystem::path entry = Write(module, module + ".py", source);
    ImplementationSpec spec;
    spec.module = module;
    spec.entry = entry;
    spec.root = entry.parent_path();
    return (runtime ? runtime : runtime_.get())->Load(spec);
  }

  std::unique_ptr<Implementation> Probe() {
    auto loaded = LoadSource("probe", kProbeSource);
    EXPECT_OK(loaded.status());
    return loaded.ok() ? *std::move(loaded) : nullptr;
  }

  TempDir dir_;
  RecordingServices services_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace duet::testing

#endif  // DUET_TESTS_PYTHON_PYTHON_TEST_FIXTURE_H_
