// The natives behind the web-standard globals (lib/web/*.js): random bytes
// from the operating system, the clocks performance uses, and
// structuredClone through V8's ValueSerializer.
#ifndef DUET_BINDINGS_JAVASCRIPT_WEB_NATIVES_H_
#define DUET_BINDINGS_JAVASCRIPT_WEB_NATIVES_H_

#include "v8.h"

namespace duet::js {

// Adds randomBytes(uint8Array), monotonicMilliseconds(),
// wallClockMilliseconds() and structuredClone(value, transferList,
// DOMException) to `native`. False with an exception pending.
bool InstallWebNatives(v8::Local<v8::Context> context,
                       v8::Local<v8::Object> native);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_WEB_NATIVES_H_
