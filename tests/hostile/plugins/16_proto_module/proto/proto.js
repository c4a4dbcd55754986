// If this module becomes the JS REPL global's prototype, String(globalThis)
// calls these functions.
import duet from "duet";

export function toString() {
  duet.host.mark("plugin code ran");
  return "hijacked";
}

export function valueOf() {
  duet.host.mark("plugin code ran");
  return "hijacked";
}
