// The natives behind the web-standard globals (lib/web/*.js): random bytes
// from the operating system, the clocks performance uses, structuredClone
// through V8's ValueSerializer, and UTF-8 conversion at native speed.
#ifndef DUET_BINDINGS_JAVASCRIPT_WEB_NATIVES_H_
#define DUET_BINDINGS_JAVASCRIPT_WEB_NATIVES_H_

#include "v8.h"

namespace duet::js {

// Adds randomBytes(uint8Array), monotonicMilliseconds(),
// wallClockMilliseconds(), structuredClone(value, transferList,
// DOMException), utf8Length(string), encodeUtf8Into(string, uint8Array)
// and decodeUtf8(uint8Array, fatal) to `native`. False with an exception
// pending.
bool InstallWebNatives(v8::Local<v8::Context> context,
                       v8::Local<v8::Object> native);

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_WEB_NATIVES_H_
