// Owns config.json; nobody else may read it.
export function ping() {
  return "pong";
}
