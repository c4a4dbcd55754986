// The native functions behind the in-script `duet` API: duet.call,
// duet.modules proxies, duet.host, duet.log, the name lists, and the type
// probes the bootstrap (bootstrap.h) needs. Each is a small free function;
// what they share (calling out, binding names) is the Engine's.
#ifndef DUET_BINDINGS_JAVASCRIPT_DUET_API_H_
#define DUET_BINDINGS_JAVASCRIPT_DUET_API_H_

#include <cstddef>

#include "v8.h"

namespace duet::js {

// Sets the native functions as properties of `native` (the bootstrap's
// argument), and heapCapElements from `cap_bytes`. False when V8 failed.
bool InstallNativeApi(v8::Local<v8::Context> context,
                      v8::Local<v8::Object> native, size_t cap_bytes);

// True for duet.modules and each duet.modules.M (bootstrap.h's liveNames):
// their own names are the live ones; their prototype only caches lookups.
bool IsLiveNames(v8::Local<v8::Context> context, v8::Local<v8::Object> object);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_DUET_API_H_
