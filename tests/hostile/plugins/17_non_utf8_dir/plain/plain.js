// The test copies this plugin into a folder whose name is not UTF-8.
export function ping() {
  return "pong";
}
