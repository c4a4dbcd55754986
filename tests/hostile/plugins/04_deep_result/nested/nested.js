// A result nested 999 deep: under duet's nesting limit of 1000, but deep
// enough to overflow a small thread stack if conversion recurses unchecked.
export function deep() {
  let value = [];
  for (let i = 1; i < 999; i++) value = [value];
  return value;
}
