// Loading: ES modules, CommonJS, format detection, relative files,
// node_modules packages, built-ins refused, caching, exports rules.
#include <string>
#include <vector>

#include "js_test_util.h"

namespace duet::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(JsTest, EsmExportsFunctionsSorted) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("greeter.mjs", R"JS(
export function greet(name) { return `Hello, ${name}!`; }
export const shout = (s) => s.toUpperCase();
export const version = 3;
export async function later() { return 1; }
)JS"));
  EXPECT_EQ(impl->language(), Language::kJavaScript);
  EXPECT_THAT(impl->exports(), ElementsAre("greet", "later", "shout"));
  ASSERT_OK_AND_ASSIGN(Value out, CallByName(*impl, "greet", {Value("world")}));
  EXPECT_EQ(out, Value("Hello, world!"));
  ASSERT_OK_AND_ASSIGN(Value loud, CallByName(*impl, "shout", {Value("hi")}));
  EXPECT_EQ(loud, Value("HI"));
}

TEST_F(JsTest, EsmDefaultObjectContributesFunctions) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("m.mjs", R"JS(
export function named() { return 'named'; }
export default { extra() { return this.tag; }, named() { return 'default'; }, tag: 't' };
)JS"));
  EXPECT_THAT(impl->exports(), ElementsAre("extra", "named"));
  EXPECT_EQ(*CallByName(*impl, "named", {}),
            Value("named"));                               // named export wins
  EXPECT_EQ(*CallByName(*impl, "extra", {}), Value("t"));  // this = the object
}

TEST_F(JsTest, EsmDefaultFunction) {
  ASSERT_OK_AND_ASSIGN(
      auto impl,
      LoadSource("m.mjs", "export default function (x) { return x + 1; }\n"));
  EXPECT_THAT(impl->exports(), ElementsAre("default"));
  EXPECT_EQ(*CallByName(*impl, "default", {Value(1)}), Value(2));
}

TEST_F(JsTest, CommonJsExports) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("counter.js", R"JS(
let count = 0;
module.exports = {
  increment(by) { count += by; return this.current(); },
  current() { return count; },
  label: 'not a function',
};
)JS"));
  EXPECT_THAT(impl->exports(), ElementsAre("current", "increment"));
  EXPECT_EQ(*CallByName(*impl, "increment", {Value(2)}), Value(2));
  EXPECT_EQ(*CallByName(*impl, "increment", {Value(3)}), Value(5));
}

TEST_F(JsTest, CommonJsExportsShorthandAndFunction) {
  ASSERT_OK_AND_ASSIGN(auto impl,
                       LoadSource("a.cjs", "exports.add = (a, b) => a + b;\n"));
  EXPECT_THAT(impl->exports(), ElementsAre("add"));
  ASSERT_OK_AND_ASSIGN(auto fn, LoadSource("b.cjs", R"JS(
module.exports = function main(x) { return x * 2; };
module.exports.helper = () => 'h';
)JS"));
  EXPECT_THAT(fn->exports(), ElementsAre("default", "helper"));
  EXPECT_EQ(*CallByName(*fn, "default", {Value(21)}), Value(42));
}

TEST_F(JsTest, RelativeImportsEsm) {
  Write("lib/util.js", "export function twice(x) { return 2 * x; }\n");
  Write("lib/data.json", R"({"factor": 10})");
  Write("lib/legacy.cjs",
        "module.exports = { plus(a, b) { return a + b; } };\n");
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("main.mjs", R"JS(
import { twice } from './lib/util.js';
import data from './lib/data.json';
import legacy, { plus } from './lib/legacy.cjs';
export function run(x) { return plus(twice(x), data.factor) + legacy.plus(0, 1); }
export function meta() { return import.meta.url; }
)JS"));
  EXPECT_EQ(*CallByName(*impl, "run", {Value(4)}), Value(19));
  EXPECT_EQ(*CallByName(*impl, "meta", {}),
            Value("file://" + (root_ / "main.mjs").string()));
}

TEST_F(JsTest, RelativeRequireCommonJs) {
  Write("util.js", "exports.twice = (x) => 2 * x;\n");
  Write("config.json", R"({"offset": 1})");
  Write("esm.mjs", "export const three = 3;\n");
  Write("sub/dir/index.js", "module.exports = { name: 'dir-index' };\n");
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("main.js", R"JS(
const { twice } = require('./util');
const config = require('./config.json');
const esm = require('./esm.mjs');
const dir = require('./sub/dir');
exports.run = (x) => twice(x) + config.offset + esm.three;
exports.dir = () => dir.name;
exports.paths = () => [__filename, __dirname];
)JS"));
  EXPECT_EQ(*CallByName(*impl, "run", {Value(1)}), Value(6));
  EXPECT_EQ(*CallByName(*impl, "dir", {}), Value("dir-index"));
  EXPECT_EQ(*CallByName(*impl, "paths", {}),
            Value(Value::List{(root_ / "main.js").string(), root_.string()}));
}

TEST_F(JsTest, ModulesEvaluateOnce) {
  Write("counter.js",
        "globalThis.loads = (globalThis.loads || 0) + 1;\nexports.n = 1;\n");
  Write("a.js", "require('./counter'); exports.a = 1;\n");
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("main.js", R"JS(
require('./a'); require('./counter.js'); require('./a.js');
exports.loads = () => globalThis.loads;
)JS"));
  EXPECT_EQ(*CallByName(*impl, "loads", {}), Value(1));
}

TEST_F(JsTest, FormatDetection) {
  // No package.json: CommonJS first, ESM when the file needs it.
  ASSERT_OK_AND_ASSIGN(
      auto esm,
      LoadSource("esm.js", "export function f() { return 'esm'; }\n"));
  EXPECT_EQ(*CallByName(*esm, "f", {}), Value("esm"));
  ASSERT_OK_AND_ASSIGN(auto tla,
                       LoadSource("tla.js",
                                  "const v = await Promise.resolve(7);\n"
                                  "export function f() { return v; }\n"));
  EXPECT_EQ(*CallByName(*tla, "f", {}), Value(7));
  ASSERT_OK_AND_ASSIGN(
      auto cjs, LoadSource("cjs.js", "exports.f = () => typeof require;\n"));
  EXPECT_EQ(*CallByName(*cjs, "f", {}), Value("function"));
  // package.json "type" decides for .js files below it.
  Write("typed/package.json", R"({"type": "commonjs"})");
  EXPECT_THAT(LoadSource("typed/x.js", "export function f() {}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("typed/x.js:1:1: SyntaxError")));
  Write("modern/package.json", R"({"type": "module"})");
  ASSERT_OK_AND_ASSIGN(
      auto typed_esm,
      LoadSource("modern/y.js", "export const f = () => typeof require;\n"));
  EXPECT_EQ(*CallByName(*typed_esm, "f", {}), Value("undefined"));
}

TEST_F(JsTest, NoNodeGlobals) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("m.mjs", R"JS(
export function globals() {
  return [typeof process, typeof setTimeout, typeof require, typeof module,
          typeof Buffer, typeof console, typeof duet];
}
)JS"));
  // Timers are the event loop's (event_loop.h), not Node's.
  EXPECT_EQ(*CallByName(*impl, "globals", {}),
            Value(Value::List{"undefined", "function", "undefined", "undefined",
                              "undefined", "object", "undefined"}));
}

TEST_F(JsTest, BuiltinsAreRefused) {
  absl::StatusOr<std::unique_ptr<Implementation>> cjs =
      LoadSource("a.js", "const fs = require('fs');\nexports.f = () => 1;\n");
  EXPECT_THAT(cjs,
              StatusIs(absl::StatusCode::kUnknown,
                       HasSubstr("Cannot find module 'fs': Node.js built-in "
                                 "modules are not available to duet plugins")));
  EXPECT_THAT(
      LoadSource("b.mjs",
                 "import net from 'node:net';\nexport function f() {}\n"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("b.mjs:1:17: Cannot find module 'node:net': "
                         "Node.js built-in modules")));
  ASSERT_OK_AND_ASSIGN(auto caught, LoadSource("c.js", R"JS(
let code = null;
try { require('node:child_process'); } catch (e) { code = e.code; }
exports.code = () => code;
)JS"));
  EXPECT_EQ(*CallByName(*caught, "code", {}), Value("MODULE_NOT_FOUND"));
}

// Built-ins duet provides come from its JavaScript library (library.h), as
// `X` and `node:X`, by require, import and import(), and win over a package
// of the same name in node_modules, as in Node.
TEST_F(JsTest, BuiltinsFromTheLibrary) {
  Write("node_modules/timers/package.json", R"({"main": "index.js"})");
  Write("node_modules/timers/index.js", "module.exports = 'the package';\n");
  ASSERT_OK_AND_ASSIGN(auto cjs, LoadSource("a.js", R"JS(
const timers = require('timers');
exports.same = () => timers === require('node:timers');
exports.kinds = () => [typeof timers.setTimeout, typeof timers.setImmediate,
                       typeof timers.promises.setTimeout];
exports.resolved = () => [require.resolve('timers'),
                          require.resolve('node:timers/promises')];
exports.later = () => require('timers/promises').setTimeout(1, 'waited');
)JS"));
  EXPECT_EQ(*CallByName(*cjs, "same", {}), Value(true));
  EXPECT_EQ(*CallByName(*cjs, "kinds", {}),
            Value(Value::List{"function", "function", "function"}));
  EXPECT_EQ(*CallByName(*cjs, "resolved", {}),
            Value(Value::List{"timers", "timers/promises"}));
  EXPECT_EQ(*CallByName(*cjs, "later", {}), Value("waited"));

  ASSERT_OK_AND_ASSIGN(auto esm, LoadSource("b.mjs", R"JS(
import timers, { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'timers/promises';
export function named() { return setImmediate === timers.setImmediate; }
export async function immediate() {
  return await new Promise((resolve) => setImmediate(resolve, 'soon'));
}
export async function dynamic() {
  const loaded = await import('node:timers/promises');
  return [loaded.setTimeout === sleep, await sleep(0, 'slept')];
}
)JS"));
  EXPECT_EQ(*CallByName(*esm, "named", {}), Value(true));
  EXPECT_EQ(*CallByName(*esm, "immediate", {}), Value("soon"));
  EXPECT_EQ(*CallByName(*esm, "dynamic", {}),
            Value(Value::List{true, "slept"}));
}

// Globals beyond ECMAScript are installed lazily (lib/internal/globals.js):
// present, not enumerable, and replaceable like any global.
TEST_F(JsTest, LibraryGlobalsAreLazyAndReplaceable) {
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("m.mjs", R"JS(
export function check() {
  const listed = Object.keys(globalThis).includes('setImmediate');
  const kind = typeof setImmediate;
  const stable = setImmediate === globalThis.setImmediate;
  globalThis.setImmediate = 5;
  return [listed, kind, stable, setImmediate];
}
)JS"));
  EXPECT_EQ(*CallByName(*impl, "check", {}),
            Value(Value::List{false, "function", true, 5}));
}

TEST_F(JsTest, ResolutionStaysInsideThePlugin) {
  Write("outside.js", "exports.secret = 1;\n");
  Write("plugin/package.json", "{}");
  ImplementationSpec spec;
  spec.module = "p";
  spec.entry = Write("plugin/main.js", "require('../outside.js');\n");
  spec.root = root_ / "plugin";
  EXPECT_THAT(runtime_->Load(spec),
              StatusIs(absl::StatusCode::kUnknown,
                       HasSubstr("outside the plugin directory")));
}

TEST_F(JsTest, ASingleFilePluginImportsNothingButDuet) {
  Write("victim/config.json", R"({"secret": "hunter2"})");
  Write("helper.js", "exports.h = 1;\n");
  ImplementationSpec spec;
  spec.module = "spy";
  spec.entry = Write("spy.js", R"JS(
const duet = require('duet');
const attempt = (f) => { try { return f(); } catch (e) { return e.message; } };
exports.read = () => attempt(() => require('./victim/config.json').secret);
exports.sibling = () => attempt(() => require.resolve('./helper'));
exports.hasDuet = () => typeof duet.call;
)JS");
  spec.root = spec.entry;  // what the host passes for a single file
  spec.single_file = true;
  ASSERT_OK_AND_ASSIGN(auto impl, runtime_->Load(spec));
  for (const char* function : {"read", "sibling"}) {
    EXPECT_THAT(CallByName(*impl, function, {}),
                IsOkAndHolds(StringValue(
                    HasSubstr("a single-file plugin imports nothing but "
                              "\"duet\""))))
        << function;
  }
  EXPECT_THAT(CallByName(*impl, "hasDuet", {}),
              IsOkAndHolds(Value("function")));
}

// require, require.resolve, import and import() answer a path outside the
// plugin the same whether or not it exists: no probing the file system.
TEST_F(JsTest, PathsOutsideThePluginGetOneAnswerWhetherOrNotTheyExist) {
  Write("outside_here.js", "exports.secret = 1;\n");
  Write("plugin/node_modules/pkg/index.js", "exports.p = 1;\n");
  std::filesystem::create_directory_symlink(root_, root_ / "plugin" / "link");
  ImplementationSpec spec;
  spec.module = "p";
  spec.root = root_ / "plugin";
  spec.entry = Write("plugin/main.js", R"JS(
const attempt = (f) => { try { f(); return 'found'; } catch (e) { return e.message; } };
exports.resolve = (s) => attempt(() => require.resolve(s));
exports.require = (s) => attempt(() => require(s));
exports.dynamicImport = async (s) => {
  try { await import(s); return 'found'; } catch (e) { return e.message; }
};
)JS");
  ASSERT_OK_AND_ASSIGN(auto impl, runtime_->Load(spec));
  std::string outside = root_.string();
  for (const std::string& pattern :
       {std::string("../outside_NAME.js"), outside + "/outside_NAME.js",
        std::string("./link/outside_NAME.js"),
        std::string("pkg/../../../outside_NAME.js"),
        std::string("./../plugin/../outside_NAME")}) {
    for (const char* how : {"resolve", "require", "dynamicImport"}) {
      auto probe = [&](std::string_view name) {
        std::string specifier = pattern;
        specifier.replace(specifier.find("NAME"), 4, name);
        absl::StatusOr<Value> answer =
            CallByName(*impl, how, {Value(specifier)});
        EXPECT_TRUE(answer.ok() && answer->is_string()) << answer.status();
        std::string text = answer.ok() && answer->is_string()
                               ? answer->as_string()
                               : std::string();
        // The specifier is quoted back; compare the rest.
        size_t at = text.find(std::string(name));
        while (at != std::string::npos) {
          text.replace(at, name.size(), "NAME");
          at = text.find(std::string(name));
        }
        return text;
      };
      std::string existing = probe("here");
      EXPECT_NE(existing, "found") << pattern << " " << how;
      EXPECT_EQ(existing, probe("missing")) << pattern << " " << how;
    }
  }
}

TEST_F(JsTest, PackagesFromNodeModules) {
  // node_modules/ is git-ignored, so the packages are written here.
  Write("node_modules/cond/package.json", R"({
    "name": "cond",
    "exports": {
      ".": { "import": "./esm.mjs", "require": "./cjs.js" },
      "./sub": { "node": "./nope.js", "default": "./sub.js" },
      "./features/*": "./features/*.js",
      "./hidden": null
    }
  })");
  Write("node_modules/cond/esm.mjs", "export const kind = 'import';\n");
  Write("node_modules/cond/cjs.js", "exports.kind = 'require';\n");
  Write("node_modules/cond/sub.js", "exports.kind = 'sub';\n");
  Write("node_modules/cond/features/a.js", "exports.kind = 'feature a';\n");
  Write("node_modules/mainpkg/package.json", R"({"main": "lib/entry"})");
  Write("node_modules/mainpkg/lib/entry.js",
        "exports.kind = 'main:' + require('./helper').h;\n");
  Write("node_modules/mainpkg/lib/helper.js", "exports.h = 'helper';\n");
  Write("node_modules/plain/index.js", "exports.kind = 'index';\n");
  Write("node_modules/plain/extra/thing.js", "exports.kind = 'deep';\n");
  Write("node_modules/@scope/pkg/package.json", R"({"exports": "./main.js"})");
  Write("node_modules/@scope/pkg/main.js", "exports.kind = 'scoped';\n");
  Write("lib/nested.js", "exports.kind = require('plain').kind;\n");

  ASSERT_OK_AND_ASSIGN(auto cjs, LoadSource("main.js", R"JS(
exports.kinds = () => [
  require('cond').kind,
  require('cond/sub').kind,
  require('cond/features/a').kind,
  require('mainpkg').kind,
  require('plain').kind,
  require('plain/extra/thing').kind,
  require('@scope/pkg').kind,
  require('./lib/nested').kind,
];
exports.hidden = () => { try { require('cond/hidden'); } catch (e) { return e.message; } };
)JS"));
  EXPECT_EQ(*CallByName(*cjs, "kinds", {}),
            Value(Value::List{"require", "sub", "feature a", "main:helper",
                              "index", "deep", "scoped", "index"}));
  ASSERT_OK_AND_ASSIGN(Value hidden, CallByName(*cjs, "hidden", {}));
  EXPECT_THAT(hidden.as_string(), HasSubstr("not defined by \"exports\""));

  ASSERT_OK_AND_ASSIGN(auto esm, LoadSource("main.mjs", R"JS(
import { kind } from 'cond';
import plain from 'plain';
export function kinds() { return [kind, plain.kind]; }
)JS"));
  EXPECT_EQ(*CallByName(*esm, "kinds", {}),
            Value(Value::List{"import", "index"}));
}

TEST_F(JsTest, DynamicImport) {
  Write("later.mjs", "export const v = 'later';\n");
  ASSERT_OK_AND_ASSIGN(auto impl, LoadSource("m.mjs", R"JS(
export async function load() { return (await import('./later.mjs')).v; }
export async function fail() {
  try { await import('fs'); } catch (e) { return e.message; }
}
)JS"));
  EXPECT_EQ(*CallByName(*impl, "load", {}), Value("later"));
  ASSERT_OK_AND_ASSIGN(Value failed, CallByName(*impl, "fail", {}));
  EXPECT_THAT(failed.as_string(),
              HasSubstr("built-in modules are not available"));
}

// A syntax error in a required or imported file keeps its own file:line.
TEST_F(JsTest, SyntaxAndLinkErrorsInImportedFiles) {
  Write("broken.js", "exports.x = ;\n");
  EXPECT_THAT(LoadSource("user.js", "require('./broken');\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr((root_ / "broken.js").string() +
                                 ":1:13: SyntaxError")));
  EXPECT_THAT(
      LoadSource("missing.mjs", "import { x } from './nothing.js';\n"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("missing.mjs:1:19: Cannot find module './nothing.js'")));
  Write("exporter.mjs", "export const a = 1;\n");
  EXPECT_THAT(LoadSource("link.mjs", "import { b } from './exporter.mjs';\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("link.mjs:1:10: SyntaxError")));
}

TEST_F(JsTest, ThrowAtLoadOfACommonJsModule) {
  absl::StatusOr<std::unique_ptr<Implementation>> cjs =
      LoadSource("boom.js", "exports.a = 1;\nnull.x;\n");
  EXPECT_THAT(cjs,
              StatusIs(absl::StatusCode::kUnknown, HasSubstr("TypeError")));
  std::optional<ScriptError> error = GetScriptError(cjs.status());
  ASSERT_TRUE(error.has_value());
  ASSERT_FALSE(error->stack.empty());
  EXPECT_EQ(error->stack[0].file, (root_ / "boom.js").string());
  EXPECT_EQ(error->stack[0].line, 2);
}

TEST_F(JsTest, TopLevelAwaitThatNeverSettles) {
  EXPECT_THAT(
      LoadSource("wait.mjs", "await new Promise(() => {});\n"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("a module's top-level code cannot wait for timers")));
}

TEST_F(JsTest, ManyIsolatesComeAndGo) {
  Write("m.mjs", "export function f(x) { return x + 1; }\n");
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(auto impl, Load("m.mjs"));
    EXPECT_EQ(*CallByName(*impl, "f", {Value(i)}), Value(i + 1));
  }
}

}  // namespace
}  // namespace duet::testing
