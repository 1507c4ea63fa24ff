// Merged by @jupyterlab/builder into its federated-extension config.
const path = require("node:path");

module.exports = {
  resolve: {
    // The library's browser-safe entry, from this repository's build (npm run build at the root).
    alias: { "hypernodes/browser$": path.resolve(__dirname, "../dist/browser.js") },
  },
};
