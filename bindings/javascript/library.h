// duet's JavaScript library: the files under bindings/javascript/lib/,
// embedded at build time (embed_library.py). A file lib/NAME.js is the
// library module NAME ("internal/globals", "node/path", "web/url"): the body
// of a function (exports, require, module, native) run once per isolate,
// where require(NAME) loads another library module and `native` holds the
// C++ callbacks. The bootstrap (bootstrap.h) keeps the per-isolate cache;
// Node built-in X is library module "node/X" (module_loader.cc), and the
// lazily installed globals are listed in lib/internal/globals.js.
#ifndef DUET_BINDINGS_JAVASCRIPT_LIBRARY_H_
#define DUET_BINDINGS_JAVASCRIPT_LIBRARY_H_

#include <cstddef>
#include <optional>
#include <string_view>

#include "v8.h"

namespace duet::js {

struct LibraryFile {
  const char* name;
  const char* source;
};
// Sorted by name (generated).
extern const LibraryFile kLibraryFiles[];
extern const size_t kLibraryFileCount;

// Prefix of the resource name library frames carry ("duet:lib/NAME.js");
// "duet:" marks them internal in stack traces.
inline constexpr char kLibraryResourcePrefix[] = "duet:lib/";

// The source of library module `name`; nullopt when there is none.
std::optional<std::string_view> LibrarySource(std::string_view name);

// Adds to `native` what library modules call: compileLibrary(name) (the
// module's function, or undefined for an unknown name) and each group of
// natives the library's modules use. False with an exception pending.
bool InstallLibraryNatives(v8::Local<v8::Context> context,
                           v8::Local<v8::Object> native);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_LIBRARY_H_
