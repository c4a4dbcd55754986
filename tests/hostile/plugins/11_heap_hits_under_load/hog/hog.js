// Allocates until the heap cap stops it; its isolate is then thrown away
// while other threads are still calling cheap().
export function fill() {
  const chunks = [];
  for (;;) chunks.push(new Array(100000).fill(1.5));
}

export function cheap() {
  return 1;
}
