// Runs until its deadline stops it.
export function spin() {
  for (;;) {}
}
