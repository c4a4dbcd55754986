// Asks whether a path outside the plugin exists, through the error message.
module.exports = {
  resolve(specifier) {
    try {
      return "resolved: " + require.resolve(specifier);
    } catch (error) {
      return "error: " + error.message;
    }
  },
};
