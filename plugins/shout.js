// shout: a single-file plugin (an ES module). Its module name is the file
// name, and it has a JavaScript implementation only.

export function shout(text) {
  return text.toUpperCase() + "!";
}
