// Code outside the plugin directory, reached through a symlinked entry.
export function escaped() {
  return "ran code from outside the plugin";
}
