// The native functions behind the Node built-ins duet provides
// (lib/node/*.js): hashing through OpenSSL's libcrypto, a monotonic clock,
// and the facts process/os may tell a plugin (versions, platform, arch,
// its own directory). None of them reads or changes anything outside the
// isolate.
#ifndef DUET_BINDINGS_JAVASCRIPT_NODE_NATIVES_H_
#define DUET_BINDINGS_JAVASCRIPT_NODE_NATIVES_H_

#include "v8.h"

namespace duet::js {

// Sets nodeDigest, nodeHrtime and nodeProcessInfo on `native` (the object
// library modules receive). False when V8 failed.
bool InstallNodeNatives(v8::Local<v8::Context> context,
                        v8::Local<v8::Object> native);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_NODE_NATIVES_H_
