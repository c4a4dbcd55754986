// The top level never finishes: loading must give up at the time limit.
for (;;) {}

export function never() {
  return "unreachable";
}
