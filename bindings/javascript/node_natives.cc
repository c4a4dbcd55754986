// Natives for lib/node/*.js (node_natives.h).
#include "javascript/node_natives.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "duet/version.h"
#include "javascript/convert.h"
#include "javascript/engine.h"
#include "javascript/module_loader.h"
#include "node_version.h"

namespace duet::js {
namespace {

constexpr char kPlatform[] =
#if defined(__linux__)
    "linux";
#elif defined(__APPLE__)
    "darwin";
#elif defined(__FreeBSD__)
    "freebsd";
#else
    "unknown";
#endif

constexpr char kArch[] =
#if defined(__x86_64__)
    "x64";
#elif defined(__aarch64__)
    "arm64";
#elif defined(__i386__)
    "ia32";
#elif defined(__arm__)
    "arm";
#elif defined(__powerpc64__)
        "ppc64";
#elif defined(__s390x__)
        "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
        "riscv64";
#else
        "unknown";
#endif

void ThrowError(v8::Isolate* isolate, const std::string& message) {
  isolate->ThrowException(v8::Exception::Error(Str(isolate, message)));
}

void ThrowTypeError(v8::Isolate* isolate, const std::string& message) {
  isolate->ThrowException(v8::Exception::TypeError(Str(isolate, message)));
}

// The bytes of a Uint8Array (or any ArrayBufferView) argument.
bool ViewBytes(v8::Local<v8::Value> value, std::vector<unsigned char>& bytes) {
  if (!value->IsArrayBufferView()) return false;
  v8::Local<v8::ArrayBufferView> view = value.As<v8::ArrayBufferView>();
  bytes.resize(view->ByteLength());
  if (!bytes.empty()) view->CopyContents(bytes.data(), bytes.size());
  return true;
}

// nodeDigest(algorithm, data[, key]) -> ArrayBuffer: the digest of `data`
// (an HMAC with `key` when given). Throws Node's "Digest method not
// supported" for a name libcrypto does not know.
void DigestCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  std::string algorithm = Utf8Lossy(isolate, info[0]);
  std::vector<unsigned char> data;
  std::vector<unsigned char> key;
  if (!ViewBytes(info[1], data)) {
    ThrowTypeError(isolate, "nodeDigest: data must be a Uint8Array");
    return;
  }
  bool hmac = info.Length() > 2 && !info[2]->IsUndefined();
  if (hmac && !ViewBytes(info[2], key)) {
    ThrowTypeError(isolate, "nodeDigest: key must be a Uint8Array");
    return;
  }
  const EVP_MD* md = EVP_get_digestbyname(algorithm.c_str());
  // Extendable-output functions (SHAKE) need an output length: not offered.
  if (md == nullptr || (EVP_MD_flags(md) & EVP_MD_FLAG_XOF) != 0) {
    if (hmac) {
      isolate->ThrowException(v8::Exception::TypeError(
          Str(isolate, "Invalid digest: " + algorithm)));
    } else {
      ThrowError(isolate, "Digest method not supported");
    }
    return;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_length = 0;
  bool ok;
  if (hmac) {
    ok = HMAC(md, key.data(), static_cast<int>(key.size()), data.data(),
              data.size(), out, &out_length) != nullptr;
  } else {
    ok = EVP_Digest(data.data(), data.size(), out, &out_length, md, nullptr) ==
         1;
  }
  if (!ok) {
    ThrowError(isolate,
               "libcrypto failed to compute the " + algorithm + " digest");
    return;
  }
  v8::Local<v8::ArrayBuffer> result = v8::ArrayBuffer::New(isolate, out_length);
  std::copy(out, out + out_length,
            static_cast<unsigned char*>(result->GetBackingStore()->Data()));
  info.GetReturnValue().Set(result);
}

int64_t MonotonicNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// nodeHrtime() -> BigInt nanoseconds of a monotonic clock.
void HrtimeCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(
      v8::BigInt::New(info.GetIsolate(), MonotonicNanoseconds()));
}

// The directory process.cwd() reports: the plugin's folder (a single-file
// plugin's parent), "/" without one (the REPL).
std::string PluginDirectory(v8::Isolate* isolate) {
  const std::filesystem::path& root = Engine::From(isolate)->loader().root();
  if (root.empty()) return "/";
  std::error_code error;
  if (std::filesystem::is_regular_file(root, error)) {
    return root.parent_path().string();
  }
  return root.string();
}

// nodeProcessInfo() -> {node, v8, duet, platform, arch, cwd, started}.
void ProcessInfoCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> result = v8::Object::New(isolate);
  auto set = [&](const char* name, v8::Local<v8::Value> value) {
    return result->Set(context, Str(isolate, name), value).FromMaybe(false);
  };
  bool ok =
      set("node", Str(isolate, std::to_string(NODE_MAJOR_VERSION) + "." +
                                   std::to_string(NODE_MINOR_VERSION) + "." +
                                   std::to_string(NODE_PATCH_VERSION))) &&
      set("v8", Str(isolate, v8::V8::GetVersion())) &&
      set("duet", Str(isolate, DUET_VERSION_STRING)) &&
      set("platform", Str(isolate, kPlatform)) &&
      set("arch", Str(isolate, kArch)) &&
      set("cwd", Str(isolate, PluginDirectory(isolate))) &&
      set("started", info.Data());
  if (ok) info.GetReturnValue().Set(result);
}

}  // namespace

bool InstallNodeNatives(v8::Local<v8::Context> context,
                        v8::Local<v8::Object> native) {
  v8::Isolate* isolate = context->GetIsolate();
  return SetFunction(context, native, "nodeDigest", &DigestCallback) &&
         SetFunction(context, native, "nodeHrtime", &HrtimeCallback) &&
         // process.uptime() counts from when the isolate got its natives.
         SetFunction(context, native, "nodeProcessInfo", &ProcessInfoCallback,
                     v8::BigInt::New(isolate, MonotonicNanoseconds()));
}

}  // namespace duet::js
