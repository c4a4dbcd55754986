// fs_natives.h. How a path is confined:
//
//  1. It is made absolute against the plugin folder and resolved as the OS
//     would: realpath of the longest part that exists, the missing rest
//     appended (a `..` after a missing component makes the call fail with
//     ENOENT, as the OS would). Calls that act on a symlink itself (lstat,
//     unlink, rm, mkdir) resolve only the parent folder.
//  2. The result must lie in a granted path (each grant resolved the same
//     way, at each call, since folders can appear after loading); otherwise
//     ERR_ACCESS_DENIED, before anything else is looked at, so a denied
//     path answers the same whether it exists or not.
//  3. The parent folder is opened (O_PATH), and the folder actually opened
//     (/proc/self/fd) is checked again: a symlink swapped in after step 1
//     cannot lead out. The last component is reached relative to that
//     handle with O_NOFOLLOW (openat, mkdirat, unlinkat, fstatat).
//
// The plugin itself has no call that makes symlinks or hard links.
#include "javascript/fs_natives.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "javascript/convert.h"
#include "javascript/engine.h"

namespace duet::js {
namespace {

enum class Access { kRead, kWrite };

// Node's limit on one read (kIoMaxLength): 2 GiB.
constexpr size_t kMaxReadBytes = (size_t{1} << 31) - 1;
// rm -r opens one folder per level.
constexpr int kMaxRemoveDepth = 256;

// libuv's wording, which Node's messages use.
std::string_view ErrorText(int error) {
  switch (error) {
    case ENOENT:
      return "no such file or directory";
    case EEXIST:
      return "file already exists";
    case ENOTDIR:
      return "not a directory";
    case EISDIR:
      return "illegal operation on a directory";
    case ENOTEMPTY:
      return "directory not empty";
    case EACCES:
      return "permission denied";
    case EPERM:
      return "operation not permitted";
    case ELOOP:
      return "too many symbolic links encountered";
    case ENAMETOOLONG:
      return "name too long";
    case EMFILE:
      return "too many open files";
    case EBUSY:
      return "resource busy or locked";
    case EROFS:
      return "read-only file system";
    case ENOSPC:
      return "no space left on device";
    case EINVAL:
      return "invalid argument";
    case EIO:
      return "i/o error";
    default:
      return std::strerror(error);
  }
}

std::string_view ErrorName(int error) {
  switch (error) {
    case ENOENT:
      return "ENOENT";
    case EEXIST:
      return "EEXIST";
    case ENOTDIR:
      return "ENOTDIR";
    case EISDIR:
      return "EISDIR";
    case ENOTEMPTY:
      return "ENOTEMPTY";
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case ELOOP:
      return "ELOOP";
    case ENAMETOOLONG:
      return "ENAMETOOLONG";
    case EMFILE:
      return "EMFILE";
    case EBUSY:
      return "EBUSY";
    case EROFS:
      return "EROFS";
    case ENOSPC:
      return "ENOSPC";
    case EINVAL:
      return "EINVAL";
    case EIO:
      return "EIO";
    default:
      return "EUNKNOWN";
  }
}

void SetProperty(v8::Local<v8::Context> context, v8::Local<v8::Object> object,
                 std::string_view name, v8::Local<v8::Value> value) {
  object->Set(context, Str(context->GetIsolate(), name), value).Check();
}

void ThrowWithCode(v8::Isolate* isolate, v8::Local<v8::Value> error,
                   std::string_view code) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  SetProperty(context, error.As<v8::Object>(), "code", Str(isolate, code));
  isolate->ThrowException(error);
}

// What a file call ends with when it fails: an OS error, or a path the
// plugin is not granted.
struct Failure {
  int error = 0;            // errno; 0 for a denial
  std::string syscall;      // "open", "mkdir", ...
  Access denied_access{};   // for a denial
  std::string escaped_via;  // a denial: where a symlink led, when it did
};

// Node's SystemError shape: "ENOENT: no such file or directory, open 'x'"
// with code, errno (negative, as libuv's), syscall and path.
void ThrowFailure(v8::Isolate* isolate, const Failure& failure,
                  std::string_view given) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (failure.error == 0) {
    const bool read = failure.denied_access == Access::kRead;
    std::string message = std::string("ERR_ACCESS_DENIED: ") +
                          (read ? "reading" : "writing") + " '" +
                          std::string(given) +
                          "' needs it granted in plugin.toml [permissions] " +
                          (read ? "read" : "write");
    if (!failure.escaped_via.empty()) {
      message += " (it resolves to " + failure.escaped_via +
                 ", outside the granted paths)";
    }
    v8::Local<v8::Value> error = v8::Exception::Error(Str(isolate, message));
    SetProperty(context, error.As<v8::Object>(), "permission",
                Str(isolate, read ? "read" : "write"));
    SetProperty(context, error.As<v8::Object>(), "path", Str(isolate, given));
    ThrowWithCode(isolate, error, "ERR_ACCESS_DENIED");
    return;
  }
  v8::Local<v8::Value> error = v8::Exception::Error(
      Str(isolate, std::string(ErrorName(failure.error)) + ": " +
                       std::string(ErrorText(failure.error)) + ", " +
                       failure.syscall + " '" + std::string(given) + "'"));
  v8::Local<v8::Object> object = error.As<v8::Object>();
  SetProperty(context, object, "errno",
              v8::Integer::New(isolate, -failure.error));
  SetProperty(context, object, "syscall", Str(isolate, failure.syscall));
  SetProperty(context, object, "path", Str(isolate, given));
  ThrowWithCode(isolate, error, ErrorName(failure.error));
}

Failure OsFailure(int error, std::string_view syscall) {
  Failure failure;
  failure.error = error;
  failure.syscall = std::string(syscall);
  return failure;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::vector<std::string> Components(std::string_view absolute) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= absolute.size()) {
    size_t end = absolute.find('/', start);
    if (end == std::string_view::npos) end = absolute.size();
    std::string_view part = absolute.substr(start, end - start);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

std::string Join(const std::string& dir, std::string_view name) {
  return (dir == "/" ? dir : dir + "/") + std::string(name);
}

std::optional<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(
      realpath(path.c_str(), nullptr), &std::free);
  if (real == nullptr) return std::nullopt;
  return std::string(real.get());
}

// A path resolved as the OS would resolve it (step 1 above).
struct Resolved {
  std::string path;
  // How many trailing components do not exist (0: the whole path does).
  size_t missing = 0;
  // A `..` follows a missing component: the OS fails such a path with
  // ENOENT. `path` then drops the component lexically.
  bool through_missing = false;
};

Resolved Resolve(const std::string& absolute) {
  const std::vector<std::string> parts = Components(absolute);
  for (size_t keep = parts.size();; --keep) {
    std::string prefix = "/";
    for (size_t i = 0; i < keep; ++i) prefix = Join(prefix, parts[i]);
    std::optional<std::string> real = RealPath(prefix);
    if (!real && keep > 0) continue;
    Resolved resolved;
    resolved.path = real.value_or("/");
    std::vector<std::string> tail(parts.begin() + keep, parts.end());
    for (const std::string& part : tail) {
      if (part == "..") {
        resolved.through_missing = true;
        const size_t slash = resolved.path.rfind('/');
        resolved.path.resize(slash == 0 ? 1 : slash);
        if (resolved.missing > 0) --resolved.missing;
      } else {
        resolved.path = Join(resolved.path, part);
        ++resolved.missing;
      }
    }
    return resolved;
  }
}

// Whether `path` is `dir` or below it (by components: data2 is not below
// data).
bool IsWithin(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

class Confinement {
 public:
  explicit Confinement(const Engine& engine)
      : permissions_(engine.permissions()),
        folder_(engine.permissions_folder().string()) {}

  std::string Absolute(const std::string& given) const {
    if (!given.empty() && given[0] == '/') return given;
    return Join(folder_, given);
  }

  bool Granted(Access access, const std::string& real_path) const {
    const std::vector<std::string>& grants =
        access == Access::kRead ? permissions_.read : permissions_.write;
    for (const std::string& grant : grants) {
      if (IsWithin(real_path, Resolve(grant).path)) return true;
    }
    return false;
  }

  // A denial (step 2), naming where a symlink led when the path as written
  // lies in a grant (the link is the plugin's own; anything else it would
  // learn nothing from).
  Failure Denied(Access access, const std::string& absolute,
                 const std::string& real_path) const {
    Failure failure;
    failure.denied_access = access;
    std::string written = LexicallyNormal(absolute);
    if (written != real_path && Granted(access, written)) {
      failure.escaped_via = real_path;
    }
    return failure;
  }

 private:
  static std::string LexicallyNormal(const std::string& absolute) {
    return std::filesystem::path(absolute).lexically_normal().string();
  }

  const Permissions& permissions_;
  std::string folder_;
};

// A checked folder handle and the last component's name in it (step 3).
struct Place {
  Fd dir;
  std::string name;
  std::string path;   // the real folder's path joined with `name`
  Resolved resolved;  // step 1's result
};

std::optional<std::string> FdPath(int fd) {
  char link[64];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  std::string target(4096, '\0');
  ssize_t length = readlink(link, target.data(), target.size());
  if (length <= 0 || static_cast<size_t>(length) >= target.size()) {
    return std::nullopt;
  }
  target.resize(static_cast<size_t>(length));
  return target;
}

// Steps 2 and 3 for `real_path` (already resolved): nullopt and `*failure`
// set when denied or unreachable.
std::optional<Place> OpenResolved(const Confinement& confinement, Access access,
                                  const std::string& written, Resolved resolved,
                                  std::string_view syscall, Failure* failure) {
  const std::string& real_path = resolved.path;
  if (!confinement.Granted(access, real_path)) {
    *failure = confinement.Denied(access, written, real_path);
    return std::nullopt;
  }
  Place place;
  const size_t slash = real_path.rfind('/');
  std::string parent = slash == 0 ? "/" : real_path.substr(0, slash);
  place.name = real_path == "/" ? "." : real_path.substr(slash + 1);
  place.dir =
      Fd(open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (place.dir.get() < 0) {
    *failure = OsFailure(errno, syscall);
    return std::nullopt;
  }
  std::optional<std::string> opened = FdPath(place.dir.get());
  place.path = opened
                   ? (place.name == "." ? *opened : Join(*opened, place.name))
                   : std::string();
  if (!opened || !confinement.Granted(access, place.path)) {
    *failure = confinement.Denied(access, written, place.path);
    return std::nullopt;
  }
  place.resolved = std::move(resolved);
  return place;
}

// Steps 1 to 3 for a path as the script gave it. `follow_last`: resolve a
// symlink in the last component too (open, stat); otherwise the call acts
// on the link itself (lstat, unlink).
std::optional<Place> OpenPlace(const Confinement& confinement, Access access,
                               const std::string& given, bool follow_last,
                               std::string_view syscall, Failure* failure) {
  std::string absolute = confinement.Absolute(given);
  while (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  const size_t slash = absolute.rfind('/');
  const std::string last = absolute.substr(slash + 1);
  Resolved resolved;
  if (follow_last || last.empty() || last == "." || last == "..") {
    resolved = Resolve(absolute);
  } else {
    resolved = Resolve(slash == 0 ? "/" : absolute.substr(0, slash));
    resolved.path = Join(resolved.path, last);
    struct stat ignored;
    if (resolved.missing > 0 || lstat(resolved.path.c_str(), &ignored) != 0) {
      ++resolved.missing;
    }
  }
  std::optional<Place> place = OpenResolved(
      confinement, access, absolute, std::move(resolved), syscall, failure);
  if (place && place->resolved.through_missing) {
    *failure = OsFailure(ENOENT, syscall);
    return std::nullopt;
  }
  return place;
}

bool ArgPath(const v8::FunctionCallbackInfo<v8::Value>& info, int index,
             std::string* out) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!info[index]->IsString()) {
    v8::Local<v8::Value> error = v8::Exception::TypeError(
        Str(isolate, "The \"path\" argument must be of type string"));
    ThrowWithCode(isolate, error, "ERR_INVALID_ARG_TYPE");
    return false;
  }
  *out = Utf8Lossy(isolate, info[index]);
  if (out->empty() || out->find('\0') != std::string::npos) {
    v8::Local<v8::Value> error = v8::Exception::TypeError(
        Str(isolate, out->empty()
                         ? "The argument 'path' must be a non-empty string"
                         : "The argument 'path' must be a string without null "
                           "bytes"));
    ThrowWithCode(isolate, error, "ERR_INVALID_ARG_VALUE");
    return false;
  }
  return true;
}

bool ArgBool(const v8::FunctionCallbackInfo<v8::Value>& info, int index) {
  return info[index]->BooleanValue(info.GetIsolate());
}

int ArgInt(const v8::FunctionCallbackInfo<v8::Value>& info, int index,
           int fallback) {
  return info[index]->IsInt32() ? info[index].As<v8::Int32>()->Value()
                                : fallback;
}

// Reads all of `fd`; kMaxReadBytes at most.
bool ReadAll(int fd, std::string* data, int* error) {
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    if (static_cast<uint64_t>(st.st_size) > kMaxReadBytes) {
      *error = EFBIG;
      return false;
    }
    data->reserve(static_cast<size_t>(st.st_size));
  }
  char chunk[65536];
  while (true) {
    ssize_t got = read(fd, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *error = errno;
      return false;
    }
    if (got == 0) return true;
    if (data->size() + static_cast<size_t>(got) > kMaxReadBytes) {
      *error = EFBIG;
      return false;
    }
    data->append(chunk, static_cast<size_t>(got));
  }
}

bool WriteAll(int fd, const char* data, size_t size, int* error) {
  while (size > 0) {
    ssize_t wrote = write(fd, data, size);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      *error = errno;
      return false;
    }
    data += wrote;
    size -= static_cast<size_t>(wrote);
  }
  return true;
}

// fsReadFile(path, asText): the file's contents as a string (UTF-8, bad
// bytes as U+FFFD) or a Uint8Array.
void ReadFileCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::string given;
  if (!ArgPath(info, 0, &given)) return;
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  std::optional<Place> place =
      OpenPlace(confinement, Access::kRead, given,
                /*follow_last=*/true, "open", &failure);
  if (!place) return ThrowFailure(isolate, failure, given);
  Fd file(openat(place->dir.get(), place->name.c_str(),
                 O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (file.get() < 0) {
    return ThrowFailure(isolate, OsFailure(errno, "open"), given);
  }
  auto data = std::make_unique<std::string>();
  int error = 0;
  if (!ReadAll(file.get(), data.get(), &error)) {
    if (error == EFBIG) {
      v8::Local<v8::Value> too_large = v8::Exception::RangeError(
          Str(isolate, "File size is greater than 2 GiB: '" + given + "'"));
      return ThrowWithCode(isolate, too_large, "ERR_FS_FILE_TOO_LARGE");
    }
    return ThrowFailure(isolate, OsFailure(error, "read"), given);
  }
  if (ArgBool(info, 1)) {
    v8::Local<v8::String> text;
    if (!v8::String::NewFromUtf8(isolate, data->data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(data->size()))
             .ToLocal(&text)) {
      v8::Local<v8::Value> too_long = v8::Exception::Error(
          Str(isolate, "Cannot create a string from '" + given +
                           "': the file is longer than a string can be"));
      return ThrowWithCode(isolate, too_long, "ERR_STRING_TOO_LONG");
    }
    info.GetReturnValue().Set(text);
    return;
  }
  const size_t size = data->size();
  void* bytes = data->data();
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      bytes, size,
      [](void*, size_t, void* owner) {
        delete static_cast<std::string*>(owner);
      },
      data.release());
  v8::Local<v8::ArrayBuffer> buffer =
      v8::ArrayBuffer::New(isolate, std::move(store));
  info.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, size));
}

// fsWriteFile(path, data, flag, mode): data a string (written as UTF-8) or
// an ArrayBufferView; flag "w", "a", "wx" or "ax" as Node's.
void WriteFileCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::string given;
  if (!ArgPath(info, 0, &given)) return;
  std::string text;
  std::shared_ptr<v8::BackingStore> store;
  const char* bytes = nullptr;
  size_t size = 0;
  if (info[1]->IsArrayBufferView()) {
    v8::Local<v8::ArrayBufferView> view = info[1].As<v8::ArrayBufferView>();
    store = view->Buffer()->GetBackingStore();
    bytes = static_cast<const char*>(store->Data()) + view->ByteOffset();
    size = view->ByteLength();
  } else {
    text = Utf8Lossy(isolate, info[1]);
    bytes = text.data();
    size = text.size();
  }
  const std::string flag = Utf8Lossy(isolate, info[2]);
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
  flags |= flag[0] == 'a' ? O_APPEND : O_TRUNC;
  if (flag.find('x') != std::string::npos) flags |= O_EXCL;
  const int mode = ArgInt(info, 3, 0666);
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  std::optional<Place> place =
      OpenPlace(confinement, Access::kWrite, given,
                /*follow_last=*/true, "open", &failure);
  if (!place) return ThrowFailure(isolate, failure, given);
  Fd file(openat(place->dir.get(), place->name.c_str(), flags, mode));
  if (file.get() < 0) {
    return ThrowFailure(isolate, OsFailure(errno, "open"), given);
  }
  int error = 0;
  if (!WriteAll(file.get(), bytes, size, &error)) {
    return ThrowFailure(isolate, OsFailure(error, "write"), given);
  }
}

v8::Local<v8::Object> StatObject(v8::Isolate* isolate, const struct stat& st) {
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> out = v8::Object::New(isolate);
  auto number = [&](std::string_view name, double value) {
    SetProperty(context, out, name, v8::Number::New(isolate, value));
  };
  auto ms = [](const struct timespec& time) {
    return static_cast<double>(time.tv_sec) * 1e3 +
           static_cast<double>(time.tv_nsec) / 1e6;
  };
  number("dev", static_cast<double>(st.st_dev));
  number("mode", st.st_mode);
  number("nlink", static_cast<double>(st.st_nlink));
  number("uid", st.st_uid);
  number("gid", st.st_gid);
  number("rdev", static_cast<double>(st.st_rdev));
  number("blksize", static_cast<double>(st.st_blksize));
  number("ino", static_cast<double>(st.st_ino));
  number("size", static_cast<double>(st.st_size));
  number("blocks", static_cast<double>(st.st_blocks));
  number("atimeMs", ms(st.st_atim));
  number("mtimeMs", ms(st.st_mtim));
  number("ctimeMs", ms(st.st_ctim));
  // Linux's stat has no birth time; Node reports ctime there too.
  number("birthtimeMs", ms(st.st_ctim));
  return out;
}

// fsStat(path, followSymlinks): the raw fields Node's Stats carries.
void StatCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::string given;
  if (!ArgPath(info, 0, &given)) return;
  const bool follow = ArgBool(info, 1);
  const char* syscall = follow ? "stat" : "lstat";
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  std::optional<Place> place =
      OpenPlace(confinement, Access::kRead, given, follow, syscall, &failure);
  if (!place) return ThrowFailure(isolate, failure, given);
  struct stat st;
  if (fstatat(place->dir.get(), place->name.c_str(), &st,
              AT_SYMLINK_NOFOLLOW) != 0) {
    return ThrowFailure(isolate, OsFailure(errno, syscall), given);
  }
  info.GetReturnValue().Set(StatObject(isolate, st));
}

// fsExists(path): whether it exists and may be read; never throws for the
// path (as existsSync).
void ExistsCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (!info[0]->IsString()) {
    info.GetReturnValue().Set(false);
    return;
  }
  std::string given = Utf8Lossy(isolate, info[0]);
  if (given.empty() || given.find('\0') != std::string::npos) {
    info.GetReturnValue().Set(false);
    return;
  }
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  std::optional<Place> place =
      OpenPlace(confinement, Access::kRead, given,
                /*follow_last=*/true, "access", &failure);
  struct stat st;
  info.GetReturnValue().Set(place.has_value() &&
                            fstatat(place->dir.get(), place->name.c_str(), &st,
                                    AT_SYMLINK_NOFOLLOW) == 0);
}

std::string_view EntryType(unsigned char type) {
  switch (type) {
    case DT_REG:
      return "file";
    case DT_DIR:
      return "directory";
    case DT_LNK:
      return "symlink";
    case DT_FIFO:
      return "fifo";
    case DT_SOCK:
      return "socket";
    case DT_CHR:
      return "char";
    case DT_BLK:
      return "block";
    default:
      return "unknown";
  }
}

unsigned char TypeFromMode(mode_t mode) {
  if (S_ISREG(mode)) return DT_REG;
  if (S_ISDIR(mode)) return DT_DIR;
  if (S_ISLNK(mode)) return DT_LNK;
  if (S_ISFIFO(mode)) return DT_FIFO;
  if (S_ISSOCK(mode)) return DT_SOCK;
  if (S_ISCHR(mode)) return DT_CHR;
  if (S_ISBLK(mode)) return DT_BLK;
  return DT_UNKNOWN;
}

// Every entry of the folder open as `fd` (which the DIR takes over), with
// its type, sorted by name as libuv's scandir sorts them.
bool ListFolder(int fd, std::vector<std::pair<std::string, unsigned char>>* out,
                int* error) {
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    *error = errno;
    close(fd);
    return false;
  }
  errno = 0;
  while (struct dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    struct stat st;
    if (type == DT_UNKNOWN &&
        fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      type = TypeFromMode(st.st_mode);
    }
    out->emplace_back(std::string(name), type);
  }
  *error = errno;
  closedir(dir);
  std::sort(out->begin(), out->end());
  return *error == 0;
}

// fsReaddir(path): [[name, type], ...], type "file", "directory",
// "symlink", ...
void ReaddirCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  std::string given;
  if (!ArgPath(info, 0, &given)) return;
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  std::optional<Place> place =
      OpenPlace(confinement, Access::kRead, given,
                /*follow_last=*/true, "scandir", &failure);
  if (!place) return ThrowFailure(isolate, failure, given);
  int fd = openat(place->dir.get(), place->name.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ThrowFailure(isolate, OsFailure(errno, "scandir"), given);
  std::vector<std::pair<std::string, unsigned char>> entries;
  int error = 0;
  if (!ListFolder(fd, &entries, &error)) {
    return ThrowFailure(isolate, OsFailure(error, "scandir"), given);
  }
  v8::Local<v8::Array> out = v8::Array::New(isolate, 0);
  uint32_t index = 0;
  for (const auto& [name, type] : entries) {
    v8::Local<v8::Value> pair[] = {Str(isolate, name),
                                   Str(isolate, EntryType(type))};
    out->Set(context, index++, v8::Array::New(isolate, pair, 2)).Check();
  }
  info.GetReturnValue().Set(out);
}

// fsMkdir(path, recursive, mode): with `recursive`, the first folder
// created (undefined when all existed), as Node's.
void MkdirCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::string given;
  if (!ArgPath(info, 0, &given)) return;
  const bool recursive = ArgBool(info, 1);
  const int mode = ArgInt(info, 2, 0777);
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  if (!recursive) {
    std::optional<Place> place =
        OpenPlace(confinement, Access::kWrite, given,
                  /*follow_last=*/false, "mkdir", &failure);
    if (!place) return ThrowFailure(isolate, failure, given);
    if (mkdirat(place->dir.get(), place->name.c_str(), mode) != 0) {
      return ThrowFailure(isolate, OsFailure(errno, "mkdir"), given);
    }
    return;
  }
  const std::string absolute = confinement.Absolute(given);
  Resolved resolved = Resolve(absolute);
  if (!confinement.Granted(Access::kWrite, resolved.path)) {
    return ThrowFailure(
        isolate, confinement.Denied(Access::kWrite, absolute, resolved.path),
        given);
  }
  if (resolved.through_missing) {
    return ThrowFailure(isolate, OsFailure(ENOENT, "mkdir"), given);
  }
  // Each folder created must itself be granted; the ones that exist are
  // only walked through.
  const std::vector<std::string> parts = Components(resolved.path);
  std::string path = "/";
  std::string first_created;
  for (size_t i = 0; i < parts.size(); ++i) {
    path = Join(path, parts[i]);
    if (i + resolved.missing < parts.size()) continue;
    Resolved step;
    step.path = path;
    std::optional<Place> place = OpenResolved(confinement, Access::kWrite, path,
                                              step, "mkdir", &failure);
    if (!place) return ThrowFailure(isolate, failure, given);
    if (mkdirat(place->dir.get(), place->name.c_str(), mode) != 0) {
      const int error = errno;
      struct stat st;
      // Made by someone else meanwhile: walk through it.
      if (error == EEXIST &&
          fstatat(place->dir.get(), place->name.c_str(), &st,
                  AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISDIR(st.st_mode)) {
        continue;
      }
      return ThrowFailure(isolate, OsFailure(error, "mkdir"), given);
    }
    if (first_created.empty()) first_created = path;
  }
  if (resolved.missing == 0) {
    // Everything existed: fine when it is a folder.
    std::optional<Place> place = OpenResolved(
        confinement, Access::kWrite, absolute, resolved, "mkdir", &failure);
    if (!place) return ThrowFailure(isolate, failure, given);
    struct stat st;
    if (fstatat(place->dir.get(), place->name.c_str(), &st, 0) != 0 ||
        !S_ISDIR(st.st_mode)) {
      return ThrowFailure(isolate, OsFailure(EEXIST, "mkdir"), given);
    }
    return;
  }
  if (!first_created.empty()) {
    info.GetReturnValue().Set(Str(isolate, first_created));
  }
}

// Removes `name` in the folder `parent` and everything below it, never
// following a symlink (a link is removed, not what it points at). The
// error number, 0 when done.
int RemoveTree(int parent, const std::string& name, int depth) {
  if (depth > kMaxRemoveDepth) return ENAMETOOLONG;
  int fd = openat(parent, name.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOTDIR && errno != ELOOP) return errno;
    return unlinkat(parent, name.c_str(), 0) == 0 ? 0 : errno;
  }
  Fd folder(dup(fd));
  std::vector<std::pair<std::string, unsigned char>> entries;
  int error = 0;
  if (folder.get() < 0) {
    close(fd);
    return errno;
  }
  if (!ListFolder(fd, &entries, &error)) return error;
  for (const auto& [entry, type] : entries) {
    error = type == DT_DIR
                ? RemoveTree(folder.get(), entry, depth + 1)
                : (unlinkat(folder.get(), entry.c_str(), 0) == 0 ? 0 : errno);
    if (error == EISDIR) error = RemoveTree(folder.get(), entry, depth + 1);
    if (error != 0 && error != ENOENT) return error;
  }
  return unlinkat(parent, name.c_str(), AT_REMOVEDIR) == 0 ? 0 : errno;
}

// fsRemove(path, kind, recursive, force): kind "rm", "unlink" or "rmdir",
// each as Node's call of that name.
void RemoveCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::string given;
  if (!ArgPath(info, 0, &given)) return;
  const std::string kind = Utf8Lossy(isolate, info[1]);
  const bool recursive = ArgBool(info, 2);
  const bool force = ArgBool(info, 3);
  const std::string syscall = kind == "rm" ? "lstat" : kind;
  Confinement confinement(*Engine::From(isolate));
  Failure failure;
  std::optional<Place> place =
      OpenPlace(confinement, Access::kWrite, given,
                /*follow_last=*/false, syscall, &failure);
  if (!place) {
    if (force && failure.error == ENOENT) return;
    return ThrowFailure(isolate, failure, given);
  }
  const int dir = place->dir.get();
  const char* name = place->name.c_str();
  if (kind == "unlink") {
    if (unlinkat(dir, name, 0) != 0) {
      return ThrowFailure(isolate, OsFailure(errno, "unlink"), given);
    }
    return;
  }
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (force && errno == ENOENT) return;
    return ThrowFailure(isolate, OsFailure(errno, syscall), given);
  }
  const bool is_dir = S_ISDIR(st.st_mode);
  if (kind == "rmdir" && !is_dir) {
    return ThrowFailure(isolate, OsFailure(ENOTDIR, "rmdir"), given);
  }
  if (is_dir && recursive) {
    if (int error = RemoveTree(dir, place->name, 0); error != 0) {
      return ThrowFailure(isolate, OsFailure(error, "rm"), given);
    }
    return;
  }
  if (is_dir && kind == "rm") {
    v8::Local<v8::Value> error = v8::Exception::Error(Str(
        isolate,
        "Path is a directory: rm returned EISDIR (is a directory) " + given));
    return ThrowWithCode(isolate, error, "ERR_FS_EISDIR");
  }
  if (unlinkat(dir, name, is_dir ? AT_REMOVEDIR : 0) != 0) {
    return ThrowFailure(isolate, OsFailure(errno, is_dir ? "rmdir" : "unlink"),
                        given);
  }
}

void GrantedCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  const Permissions& permissions =
      Engine::From(info.GetIsolate())->permissions();
  info.GetReturnValue().Set(!permissions.read.empty() ||
                            !permissions.write.empty());
}

// permissions(): {read: [...], write: [...], env: {NAME: value}} with the
// paths absolute and only the granted variables that are set.
void PermissionsCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  const Permissions& permissions = Engine::From(isolate)->permissions();
  auto list = [&](const std::vector<std::string>& items) {
    std::vector<v8::Local<v8::Value>> values;
    for (const std::string& item : items) values.push_back(Str(isolate, item));
    return v8::Array::New(isolate, values.data(), values.size());
  };
  v8::Local<v8::Object> env = v8::Object::New(isolate);
  for (const std::string& name : permissions.env) {
    if (const char* value = std::getenv(name.c_str())) {
      SetProperty(context, env, name, Str(isolate, value));
    }
  }
  v8::Local<v8::Object> out = v8::Object::New(isolate);
  SetProperty(context, out, "read", list(permissions.read));
  SetProperty(context, out, "write", list(permissions.write));
  SetProperty(context, out, "env", env);
  info.GetReturnValue().Set(out);
}

// fsNatives(): the fs functions, made when `fs` is first required (lib/
// node/fs.js keeps them), so an isolate that never uses fs makes none.
void FsNativesCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Local<v8::Context> context = info.GetIsolate()->GetCurrentContext();
  v8::Local<v8::Object> natives = v8::Object::New(info.GetIsolate());
  if (SetFunction(context, natives, "fsGranted", &GrantedCallback) &&
      SetFunction(context, natives, "fsReadFile", &ReadFileCallback) &&
      SetFunction(context, natives, "fsWriteFile", &WriteFileCallback) &&
      SetFunction(context, natives, "fsStat", &StatCallback) &&
      SetFunction(context, natives, "fsExists", &ExistsCallback) &&
      SetFunction(context, natives, "fsReaddir", &ReaddirCallback) &&
      SetFunction(context, natives, "fsMkdir", &MkdirCallback) &&
      SetFunction(context, natives, "fsRemove", &RemoveCallback)) {
    info.GetReturnValue().Set(natives);
  }
}

}  // namespace

bool InstallFsNatives(v8::Local<v8::Context> context,
                      v8::Local<v8::Object> native) {
  return SetFunction(context, native, "fsNatives", &FsNativesCallback) &&
         SetFunction(context, native, "permissions", &PermissionsCallback);
}

}  // namespace duet::js
