// Allocates what a sane heap takes easily: an aborted host or a failing
// ArrayBuffer shows what the cap became.
export function allocate() {
  const objects = [];
  for (let i = 0; i < 2000000; i++) objects.push({ i });
  return new ArrayBuffer(1024).byteLength + objects.length;
}
