// A single-file plugin that tries to read a neighbouring plugin's files.
module.exports = {
  peek() {
    return JSON.stringify(require("./victim/config.json"));
  },
};
