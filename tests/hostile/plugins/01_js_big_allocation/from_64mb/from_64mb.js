// One allocation larger than the heap cap, made in a single step.
export function blow() {
  const a = Array.from({ length: 1e8 });
  return a.length;
}

export function ping() {
  return "pong";
}
