// The v8::Platform duet initialises V8 with. Plain isolates use V8's
// default platform exactly as before; an isolate registered for Node.js
// (node_environment.h) has its foreground tasks run by Node's platform on
// its libuv loop. Node's platform is created when the first such isolate
// registers, so a process without trusted plugins never starts it.
#ifndef DUET_BINDINGS_JAVASCRIPT_NODE_PLATFORM_H_
#define DUET_BINDINGS_JAVASCRIPT_NODE_PLATFORM_H_

#include "node.h"

namespace duet::js {

// The process's platform (created on first use, never freed: V8 keeps it).
node::MultiIsolatePlatform* DuetPlatform();

}  // namespace duet::js

#endif  // DUET_BINDINGS_JAVASCRIPT_NODE_PLATFORM_H_
