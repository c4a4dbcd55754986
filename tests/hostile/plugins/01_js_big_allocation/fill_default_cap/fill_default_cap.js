// One allocation larger than the heap cap, made in a single step.
export function blow() {
  const a = new Array(1e8).fill(0.5);
  return a.length;
}

export function ping() {
  return "pong";
}
