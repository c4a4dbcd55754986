// What `duet stubs` writes type-checks, in both languages' own checkers: the
// stubs of the bundled plugins (plugins/) and of a fixture with every
// declared type (fixtures/plugins/every_type) must accept the correct calls
// in fixtures/uses/ and refuse each misuse there, on exactly the lines
// marked `expect-error`. TypeScript: tsc --noEmit --strict. Python: ast and
// compile of every .pyi, and mypy --strict when python3-mypy is installed.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::duet::testing::ProcessResult;
using ::duet::testing::RunProcess;

const fs::path kFixtures = DUET_STUBS_FIXTURES;
const fs::path kUses = kFixtures / "uses";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Line numbers of `file` marked with a `// expect-error` or `# expect-error`
// comment.
std::set<int> MarkedLines(const fs::path& file) {
  std::istringstream in(ReadFile(file));
  std::set<int> lines;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find("// expect-error") != std::string::npos ||
        line.find("# expect-error") != std::string::npos) {
      lines.insert(number);
    }
  }
  return lines;
}

// The lines a checker reported errors on, by file name (without folders):
// `pattern` captures the file and the line.
std::map<std::string, std::set<int>> ErrorLines(const std::string& output,
                                                const std::regex& pattern) {
  std::map<std::string, std::set<int>> errors;
  std::istringstream in(output);
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_search(line, match, pattern)) {
      errors[fs::path(match[1].str()).filename().string()].insert(
          std::stoi(match[2].str()));
    }
  }
  return errors;
}

class StubsTypecheckTest : public ::testing::Test {
 protected:
  // Runs `duet --plugins PLUGINS stubs --out DIR/stubs`.
  void WriteStubs(const fs::path& plugins) {
    ProcessResult stubs =
        RunProcess({DUET_CLI_PATH, "--plugins", plugins.string(), "stubs",
                    "--out", (dir_.path() / "stubs").string()});
    ASSERT_EQ(stubs.exit_code, 0) << stubs.err;
    ASSERT_THAT(stubs.out, ::testing::HasSubstr("wrote "));
  }

  // Copies fixtures/uses/NAME and NAME's misuse twin into the scratch folder.
  void CopyUses(const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      fs::copy_file(kUses / name, dir_.path() / name);
    }
  }

  // tsc on the stubs and the given files; the errors by file.
  std::map<std::string, std::set<int>> RunTsc(
      const std::vector<std::string>& files) {
    std::string include = "\"stubs/typescript/**/*.d.ts\"";
    for (const std::string& file : files) {
      include += ", \"" + file + "\"";
    }
    std::ofstream(dir_.path() / "tsconfig.json")
        << "{\"compilerOptions\": {\"strict\": true, \"noEmit\": true,\n"
           " \"target\": \"es2020\", \"lib\": [\"es2020\"], \"module\": "
           "\"commonjs\",\n \"esModuleInterop\": true, \"types\": []},\n"
           " \"include\": ["
        << include << "]}\n";
    testing::ProcessOptions options;
    options.working_directory = dir_.path().string();
    ProcessResult tsc = RunProcess(
        {DUET_NODE, DUET_TSC, "-p", "tsconfig.json", "--pretty", "false"},
        options);
    EXPECT_NE(tsc.exit_code, 127) << tsc.err;
    tsc_output_ = tsc.out + tsc.err;
    return ErrorLines(tsc_output_,
                      std::regex(R"(^(\S+)\((\d+),\d+\): error TS\d+)"));
  }

  // mypy --strict on the given files with the Python stubs on MYPYPATH.
  std::map<std::string, std::set<int>> RunMypy(
      const std::vector<std::string>& files) {
    std::vector<std::string> argv = {DUET_PYTHON,
                                     "-m",
                                     "mypy",
                                     "--strict",
                                     "--no-incremental",
                                     "--cache-dir=/dev/null",
                                     "--python-version",
                                     "3.11"};
    argv.insert(argv.end(), files.begin(), files.end());
    testing::ProcessOptions options;
    options.working_directory = dir_.path().string();
    options.environment["MYPYPATH"] = (dir_.path() / "stubs/python").string();
    ProcessResult mypy = RunProcess(argv, options);
    mypy_output_ = mypy.out + mypy.err;
    return ErrorLines(mypy_output_, std::regex(R"(^(\S+):(\d+): error:)"));
  }

  // mypy is optional (third_party/bootstrap.sh installs python3-mypy).
  bool HaveMypy() {
    return RunProcess({DUET_PYTHON, "-m", "mypy", "--version"}).exit_code == 0;
  }

  testing::TempDir dir_;
  std::string tsc_output_;
  std::string mypy_output_;
};

const fs::path BundledPlugins() {
  return fs::path(DUET_SOURCE_DIR) / "plugins";
}
const fs::path FixturePlugins() { return kFixtures / "plugins"; }

TEST_F(StubsTypecheckTest,
       TscAcceptsCallsOfTheBundledPluginsAndRefusesMisuses) {
  ASSERT_NO_FATAL_FAILURE(WriteStubs(BundledPlugins()));
  CopyUses({"bundled.ts", "bundled_misuse.ts"});
  std::map<std::string, std::set<int>> errors =
      RunTsc({"bundled.ts", "bundled_misuse.ts"});
  std::map<std::string, std::set<int>> expected = {
      {"bundled_misuse.ts", MarkedLines(kUses / "bundled_misuse.ts")}};
  ASSERT_EQ(expected["bundled_misuse.ts"].size(), 4u);
  EXPECT_EQ(errors, expected) << tsc_output_;
}

TEST_F(StubsTypecheckTest, TscTypesEveryDeclaredType) {
  ASSERT_NO_FATAL_FAILURE(WriteStubs(FixturePlugins()));
  CopyUses({"every_type.ts", "every_type_misuse.ts"});
  std::map<std::string, std::set<int>> errors =
      RunTsc({"every_type.ts", "every_type_misuse.ts"});
  std::map<std::string, std::set<int>> expected = {
      {"every_type_misuse.ts", MarkedLines(kUses / "every_type_misuse.ts")}};
  ASSERT_EQ(expected["every_type_misuse.ts"].size(), 16u);
  EXPECT_EQ(errors, expected) << tsc_output_;
}

TEST_F(StubsTypecheckTest, EveryPyiParsesAndCompiles) {
  ASSERT_NO_FATAL_FAILURE(WriteStubs(BundledPlugins()));
  fs::path bundled = dir_.path() / "bundled";
  fs::rename(dir_.path() / "stubs", bundled);
  ASSERT_NO_FATAL_FAILURE(WriteStubs(FixturePlugins()));
  // Prints how many files it read; fails (a SyntaxError) on a bad one.
  ProcessResult compiled = RunProcess(
      {DUET_PYTHON, "-c",
       "import ast, pathlib, sys\n"
       "files = [p for root in sys.argv[1:]\n"
       "         for p in sorted(pathlib.Path(root).rglob('*.pyi'))]\n"
       "for p in files:\n"
       "    text = p.read_text()\n"
       "    ast.parse(text, str(p))\n"
       "    compile(text, str(p), 'exec')\n"
       "print(len(files))\n",
       bundled.string(), (dir_.path() / "stubs").string()});
  ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
  // Each set: duet/__init__.pyi, duet/_modules/__init__.pyi and one per
  // module (7 bundled, 1 fixture).
  EXPECT_EQ(compiled.out, "12\n");
}

TEST_F(StubsTypecheckTest,
       MypyAcceptsCallsOfTheBundledPluginsAndRefusesMisuses) {
  if (!HaveMypy()) {
    GTEST_SKIP() << "mypy is not installed (apt-get install python3-mypy, "
                    "or third_party/bootstrap.sh)";
  }
  ASSERT_NO_FATAL_FAILURE(WriteStubs(BundledPlugins()));
  CopyUses({"bundled_use.py", "bundled_misuse.py"});
  std::map<std::string, std::set<int>> errors =
      RunMypy({"bundled_use.py", "bundled_misuse.py"});
  std::map<std::string, std::set<int>> expected = {
      {"bundled_misuse.py", MarkedLines(kUses / "bundled_misuse.py")}};
  ASSERT_EQ(expected["bundled_misuse.py"].size(), 3u);
  EXPECT_EQ(errors, expected) << mypy_output_;
}

TEST_F(StubsTypecheckTest, MypyTypesEveryDeclaredType) {
  if (!HaveMypy()) {
    GTEST_SKIP() << "mypy is not installed (apt-get install python3-mypy, "
                    "or third_party/bootstrap.sh)";
  }
  ASSERT_NO_FATAL_FAILURE(WriteStubs(FixturePlugins()));
  CopyUses({"every_type_use.py", "every_type_misuse.py"});
  std::map<std::string, std::set<int>> errors =
      RunMypy({"every_type_use.py", "every_type_misuse.py"});
  std::map<std::string, std::set<int>> expected = {
      {"every_type_misuse.py", MarkedLines(kUses / "every_type_misuse.py")}};
  ASSERT_EQ(expected["every_type_misuse.py"].size(), 13u);
  EXPECT_EQ(errors, expected) << mypy_output_;
}

}  // namespace
}  // namespace duet
