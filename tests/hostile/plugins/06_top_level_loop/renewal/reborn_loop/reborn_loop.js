// Loads normally the first time; after a heap-limit hit the engine rebuilds
// the isolate and runs this top level again, and then it never finishes.
import duet from "duet";

if (duet.host.load_count() > 1) {
  for (;;) {}
}

export function blow() {
  const chunks = [];
  for (;;) chunks.push(new Array(100000).fill(1.5));
}

export function ping() {
  return "pong";
}
