// Reloaded over and over while several threads call it.
export function ping(n) {
  return n + 1;
}
