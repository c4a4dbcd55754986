// plugin.toml [permissions] through a real Host: a JavaScript plugin's `fs`
// reaches exactly the paths granted, whatever `..`, absolute paths,
// symlinks or /proc/self/root say, and `fs` is refused without a grant.
//
// Layout (TempDir):
//   plugins/files/        the plugin: read = ["data/", "out/"],
//                         write = ["out/"]
//     data/hello.txt      granted for reading
//     data/link_out       symlink to outside/secret.txt
//     data/dir_out        symlink to outside/
//     data2/secret.txt    a sibling whose name starts like data
//     secret.txt          in the plugin folder, not granted
//     out/link_out, out/dir_out   the same symlinks, under the write grant
//     out2/               a sibling of out
//   outside/secret.txt    outside the plugin
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "duet/duet.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace duet {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Each export answers {ok: result} or {code, message} for what it threw.
constexpr char kFilesPlugin[] = R"JS(import fs from 'node:fs';
import * as fsp from 'node:fs/promises';

function attempt(f) {
  try {
    const value = f();
    return {ok: value === undefined ? null : value};
  } catch (e) {
    return {code: String(e.code), message: String(e.message)};
  }
}

export function read(p) { return attempt(() => fs.readFileSync(p, 'utf8')); }
export function readBytes(p) {
  return attempt(() => {
    const bytes = fs.readFileSync(p);
    return [bytes instanceof Uint8Array, bytes.length];
  });
}
export function write(p, text) { return attempt(() => fs.writeFileSync(p, text)); }
export function append(p, text) { return attempt(() => fs.appendFileSync(p, text)); }
export function exists(p) { return fs.existsSync(p); }
export function stat(p) {
  return attempt(() => {
    const s = fs.statSync(p);
    return {file: s.isFile(), dir: s.isDirectory(), size: s.size,
            mtime: s.mtime instanceof Date &&
                   Math.floor(s.mtimeMs) === s.mtime.getTime()};
  });
}
export function isLink(p) { return attempt(() => fs.lstatSync(p).isSymbolicLink()); }
export function list(p) { return attempt(() => fs.readdirSync(p)); }
export function listTypes(p) {
  return attempt(() => fs.readdirSync(p, {withFileTypes: true}).map(
      (d) => `${d.name}:${d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'link' : 'file'}`));
}
export function mkdir(p, recursive) { return attempt(() => fs.mkdirSync(p, {recursive})); }
export function rm(p, recursive, force) { return attempt(() => fs.rmSync(p, {recursive, force})); }
export function unlink(p) { return attempt(() => fs.unlinkSync(p)); }
export function rmdir(p) { return attempt(() => fs.rmdirSync(p)); }
export async function readPromise(p) {
  try {
    return {ok: await fsp.readFile(p, 'utf8')};
  } catch (e) {
    return {code: String(e.code), message: String(e.message)};
  }
}
export function readCallback(p) {
  return new Promise((resolve) => fs.readFile(p, 'utf8', (error, text) =>
      resolve(error ? {code: String(error.code), message: String(error.message)}
                    : {ok: text})));
}
export function sameAsPromises() { return fs.promises === fsp.default || fs.promises.readFile === fsp.readFile; }
)JS";

std::string ReadText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugin_ = dir_.path() / "plugins" / "files";
    outside_ = dir_.path() / "outside";
    dir_.Write("plugins/files/plugin.toml", R"(name = "files"
[implementations]
javascript = "files.js"

[permissions]
read = ["data/", "out/"]
write = ["out/"]
)");
    dir_.Write("plugins/files/files.js", kFilesPlugin);
    dir_.Write("plugins/files/data/hello.txt", "hello from data");
    dir_.Write("plugins/files/data2/secret.txt", "data2 secret");
    dir_.Write("plugins/files/secret.txt", "plugin secret");
    dir_.Write("plugins/files/out/.keep", "");
    dir_.Write("plugins/files/out2/.keep", "");
    dir_.Write("outside/secret.txt", "outside secret");
    for (const char* granted : {"data", "out"}) {
      fs::create_symlink(outside_ / "secret.txt",
                         plugin_ / granted / "link_out");
      fs::create_directory_symlink(outside_, plugin_ / granted / "dir_out");
    }

    HostOptions options;
    options.log_sink = [this](LogLevel level, std::string_view,
                              std::string_view message) {
      absl::MutexLock lock(&mutex_);
      logged_.push_back(std::string(LogLevelName(level)) + ": " +
                        std::string(message));
    };
    absl::StatusOr<std::unique_ptr<Host>> host = Host::Create(options);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    absl::StatusOr<std::string> loaded = host_->LoadPlugin(plugin_);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
  }

  Value Call(std::string_view function, Value::List args) {
    absl::StatusOr<Value> result = host_->Call("files", function, args);
    EXPECT_TRUE(result.ok()) << function << ": " << result.status();
    return result.ok() ? *result : Value();
  }

  // "ok", or the error's code, for the export's answer.
  std::string Outcome(std::string_view function, Value::List args) {
    Value result = Call(function, std::move(args));
    if (!result.is_map()) return "not a map";
    if (result.as_map().Find("ok") != nullptr) return "ok";
    return result.as_map().Find("code")->as_string();
  }
  std::string Message(std::string_view function, Value::List args) {
    Value result = Call(function, std::move(args));
    const Value* message =
        result.is_map() ? result.as_map().Find("message") : nullptr;
    return message != nullptr ? message->as_string() : "(no error)";
  }
  Value Ok(std::string_view function, Value::List args) {
    Value result = Call(function, std::move(args));
    const Value* ok = result.is_map() ? result.as_map().Find("ok") : nullptr;
    EXPECT_NE(ok, nullptr) << function << " failed: " << ToJson(result);
    return ok != nullptr ? *ok : Value();
  }

  std::vector<std::string> Logged() {
    absl::MutexLock lock(&mutex_);
    return logged_;
  }

  duet::testing::TempDir dir_;
  fs::path plugin_;
  fs::path outside_;
  std::unique_ptr<Host> host_;
  absl::Mutex mutex_;
  std::vector<std::string> logged_ ABSL_GUARDED_BY(mutex_);
};

TEST_F(PermissionsTest, ReadsItsDataFileAndNotEtcPasswd) {
  EXPECT_EQ(Ok("read", {"data/hello.txt"}), Value("hello from data"));
  EXPECT_EQ(Ok("read", {(plugin_ / "data/hello.txt").string()}),
            Value("hello from data"));
  EXPECT_EQ(Ok("readBytes", {"data/hello.txt"}), Value(Value::List{true, 15}));
  EXPECT_EQ(Outcome("read", {"/etc/passwd"}), "ERR_ACCESS_DENIED");
  EXPECT_EQ(Message("read", {"/etc/passwd"}),
            "ERR_ACCESS_DENIED: reading '/etc/passwd' needs it granted in "
            "plugin.toml [permissions] read");
  EXPECT_FALSE(Call("exists", {"/etc/passwd"}).as_bool());
  EXPECT_TRUE(Call("exists", {"data/hello.txt"}).as_bool());
}

TEST_F(PermissionsTest, NoPathOutsideTheReadGrantsCanBeRead) {
  const std::string outside_secret = (outside_ / "secret.txt").string();
  for (const std::string& path : std::vector<std::string>{
           std::string("../../outside/secret.txt"),
           std::string("data/../../../outside/secret.txt"),
           std::string("data/../secret.txt"),
           std::string("secret.txt"),
           outside_secret,
           (plugin_ / "secret.txt").string(),
           // A sibling whose name starts like the grant.
           std::string("data2/secret.txt"),
           (plugin_ / "data2/secret.txt").string(),
           // Symlinks inside the grant that point out.
           std::string("data/link_out"),
           std::string("data/dir_out/secret.txt"),
           std::string("data/dir_out/../outside/secret.txt"),
           // /proc's views of the file system.
           std::string("/proc/self/root/etc/passwd"),
           "/proc/self/root" + outside_secret,
           "/proc/self/cwd/../../../../../../../etc/passwd",
           // A missing path outside answers as an existing one does.
           std::string("/nonexistent/file"),
           std::string("data/missing/../../secret.txt"),
       }) {
    EXPECT_EQ(Outcome("read", {path}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("stat", {path}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("readPromise", {path}), "ERR_ACCESS_DENIED") << path;
    EXPECT_FALSE(Call("exists", {path}).as_bool()) << path;
  }
  for (const std::string& path : std::vector<std::string>{
           std::string("data/dir_out"), std::string("data2"), std::string(".."),
           std::string("/"), std::string("/proc/self/root/")}) {
    EXPECT_EQ(Outcome("list", {path}), "ERR_ACCESS_DENIED") << path;
  }
  // The message says where a symlink of the plugin's own led.
  EXPECT_THAT(Message("read", {"data/link_out"}),
              HasSubstr(absl::StrCat("(it resolves to ",
                                     fs::canonical(outside_secret).string(),
                                     ", outside the granted paths)")));
}

TEST_F(PermissionsTest, NoPathOutsideTheWriteGrantsCanBeWritten) {
  const std::string outside_secret = (outside_ / "secret.txt").string();
  for (const std::string& path : std::vector<std::string>{
           std::string("../../outside/new.txt"),
           std::string("out/../../../outside/new.txt"),
           std::string("out/../new.txt"),
           std::string("data/new.txt"),
           (outside_ / "new.txt").string(),
           std::string("out2/new.txt"),
           std::string("out/dir_out/new.txt"),
           std::string("/proc/self/root") + (outside_ / "new.txt").string(),
           std::string("/tmp/duet_permissions_test_new.txt"),
       }) {
    EXPECT_EQ(Outcome("write", {path, "x"}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("append", {path, "x"}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("mkdir", {path, true}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("mkdir", {path, false}), "ERR_ACCESS_DENIED") << path;
  }
  EXPECT_FALSE(fs::exists(outside_ / "new.txt"));
  EXPECT_FALSE(fs::exists(plugin_ / "new.txt"));
  EXPECT_FALSE(fs::exists(plugin_ / "data/new.txt"));
  EXPECT_FALSE(fs::exists(plugin_ / "out2/new.txt"));
  EXPECT_FALSE(fs::exists("/tmp/duet_permissions_test_new.txt"));

  // Writing through a file symlink that points out is refused; the target
  // keeps its text.
  EXPECT_EQ(Outcome("write", {"out/link_out", "overwritten"}),
            "ERR_ACCESS_DENIED");
  EXPECT_EQ(ReadText(outside_secret), "outside secret");
  // Removing things outside, or the read-only data, is refused too.
  for (const std::string& path : std::vector<std::string>{
           std::string("data/hello.txt"), outside_secret, std::string("data"),
           std::string("out/dir_out/secret.txt"), std::string("../files"),
           std::string("out2")}) {
    EXPECT_EQ(Outcome("rm", {path, true, true}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("unlink", {path}), "ERR_ACCESS_DENIED") << path;
    EXPECT_EQ(Outcome("rmdir", {path}), "ERR_ACCESS_DENIED") << path;
  }
  EXPECT_EQ(ReadText(outside_secret), "outside secret");
  EXPECT_TRUE(fs::exists(plugin_ / "data/hello.txt"));
  EXPECT_TRUE(fs::exists(plugin_ / "out2"));
}

TEST_F(PermissionsTest, RemovingALinkNeverRemovesWhatItPointsAt) {
  // The link itself is under the write grant: rm removes the link only.
  EXPECT_EQ(Outcome("rm", {"out/dir_out", true, false}), "ok");
  EXPECT_EQ(Outcome("unlink", {"out/link_out"}), "ok");
  EXPECT_FALSE(fs::exists(fs::symlink_status(plugin_ / "out/dir_out")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(plugin_ / "out/link_out")));
  EXPECT_EQ(ReadText(outside_ / "secret.txt"), "outside secret");
  // A folder holding links is removed without following them.
  fs::create_directories(plugin_ / "out/tree/sub");
  fs::create_directory_symlink(outside_, plugin_ / "out/tree/sub/away");
  EXPECT_EQ(Outcome("rm", {"out/tree", true, false}), "ok");
  EXPECT_FALSE(fs::exists(plugin_ / "out/tree"));
  EXPECT_EQ(ReadText(outside_ / "secret.txt"), "outside secret");
}

TEST_F(PermissionsTest, WritesInsideTheGrantAndReadsThemBack) {
  EXPECT_EQ(Outcome("write", {"out/a.txt", "one"}), "ok");
  EXPECT_EQ(Outcome("append", {"out/a.txt", "+two"}), "ok");
  EXPECT_EQ(ReadText(plugin_ / "out/a.txt"), "one+two");
  EXPECT_EQ(Ok("read", {"out/a.txt"}), Value("one+two"));
  EXPECT_EQ(Ok("stat", {"out/a.txt"}),
            Value(Value::Map{
                {"file", true}, {"dir", false}, {"size", 7}, {"mtime", true}}));
  EXPECT_EQ(Ok("isLink", {"data/link_out"}), Value(true));
  EXPECT_EQ(Ok("mkdir", {"out/x/y/z", true}),
            Value(fs::canonical(plugin_ / "out").string() + "/x"));
  EXPECT_EQ(Ok("mkdir", {"out/x/y/z", true}), Value());  // all there
  EXPECT_EQ(Outcome("mkdir", {"out/x", false}), "EEXIST");
  EXPECT_EQ(Message("mkdir", {"out/x", false}),
            "EEXIST: file already exists, mkdir 'out/x'");
  EXPECT_EQ(Ok("list", {"out"}),
            Value(Value::List{".keep", "a.txt", "dir_out", "link_out", "x"}));
  EXPECT_EQ(Ok("listTypes", {"out"}),
            Value(Value::List{".keep:file", "a.txt:file", "dir_out:link",
                              "link_out:link", "x:dir"}));
  EXPECT_EQ(Outcome("rmdir", {"out/x"}), "ENOTEMPTY");
  EXPECT_EQ(Outcome("rm", {"out/x", false, false}), "ERR_FS_EISDIR");
  EXPECT_EQ(Outcome("rm", {"out/x", true, false}), "ok");
  EXPECT_FALSE(fs::exists(plugin_ / "out/x"));
  EXPECT_EQ(Outcome("rm", {"out/x", true, true}), "ok");  // force: gone ok
  EXPECT_EQ(Outcome("rm", {"out/x", true, false}), "ENOENT");
  EXPECT_EQ(Outcome("unlink", {"out/a.txt"}), "ok");
  EXPECT_FALSE(fs::exists(plugin_ / "out/a.txt"));
}

TEST_F(PermissionsTest, OsErrorsCarryNodesCodesAndMessages) {
  EXPECT_EQ(Message("read", {"data/missing.txt"}),
            "ENOENT: no such file or directory, open 'data/missing.txt'");
  EXPECT_EQ(Outcome("read", {"data"}), "EISDIR");
  EXPECT_EQ(Message("read", {"data"}),
            "EISDIR: illegal operation on a directory, read 'data'");
  EXPECT_EQ(Outcome("list", {"data/hello.txt"}), "ENOTDIR");
  EXPECT_EQ(Outcome("read", {"data/hello.txt/x"}), "ENOTDIR");
  EXPECT_EQ(Outcome("write", {"out/missing/a.txt", "x"}), "ENOENT");
  EXPECT_EQ(Outcome("stat", {"out/missing"}), "ENOENT");
}

TEST_F(PermissionsTest, CallbackAndPromiseFormsShareTheChecks) {
  EXPECT_EQ(Ok("readCallback", {"data/hello.txt"}), Value("hello from data"));
  EXPECT_EQ(Ok("readPromise", {"data/hello.txt"}), Value("hello from data"));
  EXPECT_EQ(Outcome("readCallback", {"/etc/passwd"}), "ERR_ACCESS_DENIED");
  EXPECT_EQ(Outcome("readPromise", {"data/missing"}), "ENOENT");
  EXPECT_TRUE(Call("sameAsPromises", {}).as_bool());
}

TEST_F(PermissionsTest, WriteDoesNotImplyRead) {
  dir_.Write("plugins/wo/plugin.toml",
             "name = \"wo\"\n[implementations]\njavascript = \"wo.js\"\n"
             "[permissions]\nwrite = [\"out/\"]\n");
  dir_.Write("plugins/wo/wo.js", R"JS(import fs from 'node:fs';
export function roundTrip() {
  fs.mkdirSync('out', {recursive: true});
  fs.writeFileSync('out/a.txt', 'x');
  try {
    fs.readFileSync('out/a.txt', 'utf8');
    return 'read';
  } catch (e) {
    return e.code;
  }
}
)JS");
  ASSERT_OK(host_->LoadPlugin(dir_.path() / "plugins/wo").status());
  EXPECT_THAT(host_->Call("wo", "roundTrip", {}),
              duet::testing::IsOkAndHolds(Value("ERR_ACCESS_DENIED")));
  EXPECT_EQ(ReadText(dir_.path() / "plugins/wo/out/a.txt"), "x");
}

TEST_F(PermissionsTest, WithoutAGrantFsIsRefusedNamingHowToGrantIt) {
  dir_.Write("plugins/bare/plugin.toml",
             "name = \"bare\"\n[implementations]\njavascript = \"bare.js\"\n");
  dir_.Write("plugins/bare/bare.js",
             "import fs from 'node:fs';\nexport function f() { return 1; }\n");
  // The implementation fails as it starts: at load, or at its first call
  // under lazy start.
  absl::StatusOr<std::string> loaded =
      host_->LoadPlugin(dir_.path() / "plugins/bare");
  absl::Status failure =
      loaded.ok() ? host_->Call("bare", "f", {}).status() : loaded.status();
  ASSERT_FALSE(failure.ok());
  EXPECT_THAT(std::string(failure.message()),
              AllOf(HasSubstr("Cannot find module 'fs': Node.js built-in "
                              "modules are not available to duet plugins"),
                    HasSubstr("plugin.toml: [permissions] read = [\"data/\"] "
                              "or write")));
}

TEST_F(PermissionsTest, ModuleInfoAndTheLoadReportShowTheGrants) {
  absl::StatusOr<ModuleInfo> info = host_->GetModule("files");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(info->permissions.read, ElementsAre("data/", "out/"));
  EXPECT_THAT(info->permissions.write, ElementsAre("out/"));

  // A read grant naming nothing is a warning; a missing write folder is
  // not (the plugin may create it).
  dir_.Write("other/typo/plugin.toml",
             "name = \"typo\"\n[implementations]\njavascript = \"typo.js\"\n"
             "[permissions]\nread = [\"dta/\"]\nwrite = [\"later/\"]\n");
  dir_.Write("other/typo/typo.js", "export function f() { return 1; }\n");
  absl::StatusOr<LoadReport> report = host_->LoadPlugins(dir_.path() / "other");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->loaded, ElementsAre("typo"));
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_THAT(report->warnings[0],
              AllOf(HasSubstr("plugin.toml:4: [permissions] read path 'dta/' "
                              "does not exist"),
                    HasSubstr("reads there fail until it does")));
}

TEST_F(PermissionsTest, PythonAcceptsThemButSaysTheyAreNotEnforced) {
  dir_.Write("plugins/py/plugin.toml",
             "name = \"py\"\n[implementations]\npython = \"py.py\"\n"
             "[permissions]\nread = [\"data/\"]\n");
  dir_.Write("plugins/py/py.py", "def f():\n    return 1\n");
  dir_.Write("plugins/py/data/a.txt", "a");
  ASSERT_OK(host_->LoadPlugin(dir_.path() / "plugins/py").status());
  EXPECT_THAT(Logged(),
              Contains(AllOf(HasSubstr("info: "),
                             HasSubstr("plugin.toml:4: [permissions] is not "
                                       "enforced for the python "
                                       "implementation"))));
}

}  // namespace
}  // namespace duet
