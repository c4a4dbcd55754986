// Returns at once, leaving a microtask chain that never ends.
export function f() {
  const loop = () => Promise.resolve().then(loop);
  loop();
  return 1;
}
