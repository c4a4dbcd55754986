// duet::tools stubs: the type mapping, signatures and the files written.
// tests/stubs type-checks the output with tsc and mypy.
#include "duet/tools/stubs.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "duet/tools/check.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "tools_testing.h"

namespace duet::tools {
namespace {

using ::duet::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TypeSpec Spec(std::string_view text) {
  absl::StatusOr<TypeSpec> spec = TypeSpec::Parse(text);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : TypeSpec();
}

std::string Ts(std::string_view text, TypeRole role = TypeRole::kResult) {
  return TypeScriptType(Spec(text), role);
}

std::string Py(std::string_view text, TypeRole role = TypeRole::kResult) {
  return PythonType(Spec(text), role);
}

constexpr TypeRole kParam = TypeRole::kParameter;

TEST(StubTypesTest, TypeScriptScalars) {
  EXPECT_EQ(Ts("any"), "any");
  EXPECT_EQ(Ts("null"), "null");
  EXPECT_EQ(Ts("null", kParam), "null | undefined");
  EXPECT_EQ(Ts("bool"), "boolean");
  // Beyond 2^53-1 an int arrives as a BigInt.
  EXPECT_EQ(Ts("int"), "number | bigint");
  EXPECT_EQ(Ts("int", kParam), "number | bigint");
  EXPECT_EQ(Ts("float"), "number");
  EXPECT_EQ(Ts("number"), "number");
  EXPECT_EQ(Ts("string"), "string");
  EXPECT_EQ(Ts("bytes"), "Uint8Array");
  EXPECT_EQ(Ts("bytes", kParam), "ArrayBuffer | ArrayBufferView");
}

TEST(StubTypesTest, TypeScriptContainersAndNullable) {
  EXPECT_EQ(Ts("list"), "Array<any>");
  EXPECT_EQ(Ts("list[int]"), "Array<number | bigint>");
  EXPECT_EQ(Ts("list[string]", kParam), "ReadonlyArray<string>");
  EXPECT_EQ(Ts("map"), "Record<string, any>");
  EXPECT_EQ(Ts("map[list[bytes]]"), "Record<string, Array<Uint8Array>>");
  EXPECT_EQ(Ts("map[int]", kParam),
            "Readonly<Record<string, number | bigint>> | "
            "ReadonlyMap<string, number | bigint>");
  EXPECT_EQ(Ts("string?"), "string | null");
  EXPECT_EQ(Ts("string?", kParam), "string | null | undefined");
  EXPECT_EQ(Ts("list[int?]?"), "Array<number | bigint | null> | null");
  EXPECT_EQ(Ts("any?"), "any");
}

TEST(StubTypesTest, PythonScalars) {
  EXPECT_EQ(Py("any"), "Any");
  EXPECT_EQ(Py("null"), "None");
  EXPECT_EQ(Py("bool"), "bool");
  EXPECT_EQ(Py("int"), "int");
  EXPECT_EQ(Py("float"), "float");
  EXPECT_EQ(Py("number"), "float");
  EXPECT_EQ(Py("string"), "str");
  EXPECT_EQ(Py("bytes"), "bytes");
  EXPECT_EQ(Py("bytes", kParam), "bytes | bytearray | memoryview");
}

TEST(StubTypesTest, PythonContainersAndNullable) {
  EXPECT_EQ(Py("list"), "list[Any]");
  EXPECT_EQ(Py("list[string]"), "list[str]");
  EXPECT_EQ(Py("list[string]", kParam), "list[str] | tuple[str, ...]");
  EXPECT_EQ(Py("map[int]"), "dict[str, int]");
  EXPECT_EQ(Py("map[int]", kParam), "Mapping[str, int]");
  EXPECT_EQ(Py("map[list[float]]"), "dict[str, list[float]]");
  EXPECT_EQ(Py("int?"), "int | None");
  EXPECT_EQ(Py("list[int?]?"), "list[int | None] | None");
  EXPECT_EQ(Py("any?"), "Any");
}

using StubsTest = FakePluginTest;

constexpr char kShapesToml[] =
    "[exports.area]\nparams = [\"float\", \"float?\"]\nreturns = \"number\"\n"
    "[exports.names]\nparams = []\nreturns = \"list[string]\"\n";

TEST_F(StubsTest, SignaturesJoinDeclarationsAndExports) {
  Load("shapes", "def area: echo\ndef names: echo\ndef extra: echo\n",
       "def area: echo\ndef names: echo\n", kShapesToml);
  ASSERT_OK_AND_ASSIGN(ModuleInfo module, host_->GetModule("shapes"));
  std::vector<FunctionSignature> functions = ModuleSignatures(module);
  ASSERT_EQ(functions.size(), 3u);
  EXPECT_EQ(functions[0].name, "area");
  EXPECT_TRUE(functions[0].params_declared);
  EXPECT_GT(functions[0].line, 0);
  EXPECT_THAT(functions[0].languages,
              ElementsAre(Language::kPython, Language::kJavaScript));
  EXPECT_EQ(DeclaredSignature(functions[0]), "area(float, float?) -> number");
  EXPECT_EQ(PythonSignature(functions[0]),
            "(arg0: float, arg1: float | None, /) -> float");
  EXPECT_EQ(functions[1].name, "extra");
  EXPECT_FALSE(functions[1].params_declared);
  EXPECT_EQ(functions[1].line, 0);
  EXPECT_THAT(functions[1].languages, ElementsAre(Language::kPython));
  EXPECT_EQ(DeclaredSignature(functions[1]), "extra(...) -> any");
  EXPECT_EQ(PythonSignature(functions[1]), "(*args: Any) -> Any");
  EXPECT_EQ(DeclaredSignature(functions[2]), "names() -> list[string]");
  EXPECT_EQ(PythonSignature(functions[2]), "() -> list[str]");
}

TEST(StubSignatureTest, AsyncShowsInTheSignatureAndTheReturnType) {
  FunctionSignature everywhere;
  everywhere.name = "fetch";
  everywhere.params_declared = true;
  everywhere.returns = Spec("string");
  everywhere.languages = {Language::kPython, Language::kJavaScript};
  everywhere.async_in = everywhere.languages;
  EXPECT_EQ(DeclaredSignature(everywhere), "async fetch() -> string");

  ModuleInfo module;
  module.name = "net";
  module.description = "Fetches */ and\nwaits";
  module.implementations.push_back(
      {Language::kPython, "net.py", {"fetch", "half"}, {"fetch"}});
  module.implementations.push_back(
      {Language::kJavaScript, "net.js", {"fetch", "half"}, {"fetch", "half"}});
  std::vector<StubFile> files = GenerateStubs({module});
  std::string module_ts;
  for (const StubFile& file : files) {
    if (file.path == "typescript/modules/net.d.ts") module_ts = file.text;
  }
  EXPECT_THAT(module_ts, HasSubstr("fetch(...args: any[]): Promise<any>;"));
  EXPECT_THAT(module_ts,
              HasSubstr("half(...args: any[]): any | Promise<any>;"));
  EXPECT_THAT(module_ts, HasSubstr("async in javascript only"));
  // The description cannot end the comment early or break the line.
  EXPECT_THAT(module_ts, HasSubstr("net: Fetches *\\/ and waits\n"));
}

TEST_F(StubsTest, GeneratesOneFilePerModuleAndLanguagePlusIndexes) {
  Load("shapes", "def area: echo\ndef names: echo\n",
       "def area: echo\ndef names: echo\n", kShapesToml);
  ASSERT_OK_AND_ASSIGN(std::vector<ModuleInfo> modules,
                       SelectModules(*host_, {}));
  std::vector<StubFile> files = GenerateStubs(modules);
  std::vector<std::string> paths;
  for (const StubFile& file : files) paths.push_back(file.path.string());
  ASSERT_THAT(paths, ElementsAre("typescript/duet.d.ts",
                                 "typescript/modules/shapes.d.ts",
                                 "python/duet/__init__.pyi",
                                 "python/duet/_modules/__init__.pyi",
                                 "python/duet/_modules/shapes.pyi"));
  EXPECT_THAT(files[0].text, HasSubstr("readonly shapes: shapes_Module;"));
  EXPECT_THAT(files[0].text, HasSubstr("export = duet;"));
  EXPECT_THAT(files[1].text,
              HasSubstr("area(arg0: number, arg1: number | null | "
                        "undefined): number;"));
  EXPECT_THAT(files[1].text, HasSubstr("names(): Array<string>;"));
  EXPECT_THAT(files[2].text,
              HasSubstr("def shapes(self) -> _module_shapes.Module: ..."));
  EXPECT_THAT(files[2].text, HasSubstr("def __getitem__(self, name: "
                                       "_typing.Literal[\"shapes\"])"));
  EXPECT_THAT(files[4].text,
              HasSubstr("def area(self, arg0: _builtins.float, "
                        "arg1: _builtins.float | None, /) -> _builtins.float: "
                        "..."));
  EXPECT_THAT(files[4].text,
              HasSubstr("def names(self) -> _builtins.list[_builtins.str]: "
                        "..."));
}

TEST(StubNamesTest, PythonKeywordsAndDundersAreLeftToSubscripts) {
  ModuleInfo module;
  module.name = "import";
  module.implementations.push_back(
      {Language::kJavaScript, "import.js", {"__init__", "from", "ok"}, {}});
  std::vector<StubFile> files = GenerateStubs({module});
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[4].path, "python/duet/_modules/import_.pyi");
  EXPECT_THAT(files[4].text,
              HasSubstr("def ok(self, *args: _typing.Any) -> _typing.Any"));
  EXPECT_THAT(files[4].text, Not(HasSubstr("def from")));
  EXPECT_THAT(files[4].text, Not(HasSubstr("def __init__")));
  EXPECT_THAT(files[4].text, HasSubstr("module[\"name\"]: __init__, from"));
  EXPECT_THAT(files[2].text,
              HasSubstr("from duet._modules import import_ as _module_import"));
  EXPECT_THAT(files[2].text, Not(HasSubstr("def import(")));
  EXPECT_THAT(files[2].text, HasSubstr("Literal[\"import\"]"));
  // TypeScript takes any identifier as a property name.
  EXPECT_THAT(files[1].text, HasSubstr("from(...args: any[]): any;"));
}

TEST(StubNamesTest, MembersNamedLikeTypesShadowNothing) {
  ModuleInfo module;
  module.name = "list";
  module.implementations.push_back(
      {Language::kJavaScript, "list.js", {"Any", "str"}, {}});
  std::vector<StubFile> files = GenerateStubs({module});
  ASSERT_EQ(files.size(), 5u);
  // Inside the class, `list` or `Any` would be the member, not the type.
  EXPECT_THAT(files[2].text,
              HasSubstr("    @_builtins.property\n    def list(self) -> "
                        "_module_list.Module: ...\n    @_typing.overload\n"));
  EXPECT_THAT(files[4].text,
              HasSubstr("def Any(self, *args: _typing.Any) -> _typing.Any"));
  EXPECT_THAT(files[4].text,
              HasSubstr("def __getitem__(self, name: _builtins.str) -> "
                        "_abc.Callable[..., _typing.Any]"));
}

TEST(WriteStubsTest, WritesFilesUnderTheFolder) {
  testing::TempDir dir;
  ASSERT_OK(WriteStubs({{"a/b.pyi", "x = 1\n"}}, dir.path() / "out"));
  std::ifstream in(dir.path() / "out" / "a" / "b.pyi");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "x = 1\n");
}

TEST(WriteStubsTest, RefusesPathsOutsideTheFolder) {
  testing::TempDir dir;
  EXPECT_THAT(WriteStubs({{"../evil.pyi", ""}}, dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'../evil.pyi' is not inside")));
  EXPECT_THAT(WriteStubs({{"/abs.pyi", ""}}, dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'/abs.pyi' is not inside")));
}

TEST(WriteStubsTest, NamesTheFileItCannotWrite) {
  testing::TempDir dir;
  ASSERT_OK(WriteStubs({{"taken", "file"}}, dir.path()));
  EXPECT_THAT(WriteStubs({{"taken/inside.pyi", ""}}, dir.path()),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("taken")));
}

}  // namespace
}  // namespace duet::tools
