// Costs the engine almost nothing (a holey array of length 1e8), but
// converted item by item it would be 10^8 duet values.
export function huge() {
  const a = [];
  a.length = 1e8;
  return a;
}
