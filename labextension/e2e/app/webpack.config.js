// Builds the JupyterLab front end that ../server.py serves, the way JupyterLab's own
// examples/federated/core_package does: build/ gets bundle.js and its chunks, schemas/ (settings),
// themes/ and the page template index.html.
//
// package.json was generated once from @jupyterlab/core-meta@4.6.4's core.package.json:
// dependencies pinned exactly (ranges pulled a mix of 4.6.x releases that conflict),
// overrides = its resolutions, plus @microsoft/fast-foundation 2.49.6 (2.50.0 floods
// "Maximum call stack size exceeded"). jupyterlab.extensions lists the core extensions loaded.
const fs = require('fs');
const path = require('path');
const webpack = require('webpack');
const { merge } = require('webpack-merge');
const { Build } = require('@jupyterlab/builder');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');
const pkg = require('./package.json');

const { extensions, mimeExtensions, singletonPackages } = pkg.jupyterlab;
const outputDir = path.join(__dirname, 'build');
// Sources generated here and imported by index.js.
const genDir = path.join(__dirname, 'gen');
fs.rmSync(outputDir, { recursive: true, force: true });
fs.rmSync(genDir, { recursive: true, force: true });
fs.mkdirSync(outputDir);

// Copies the settings schemas to build/schemas, writes gen/style.js (every extension's CSS) and
// returns the webpack configs that build build/themes.
const themeConfigs = Build.ensureAssets({
  packageNames: [...extensions, ...mimeExtensions],
  output: genDir,
  schemaOutput: outputDir,
  themeOutput: outputDir
});

// Lazy imports: index.js must initialise the federated extensions' containers before any
// shared package is loaded.
const importers = names => `[\n${names.map(n => `  () => import('${n}')`).join(',\n')}\n]`;
fs.writeFileSync(
  path.join(genDir, 'extensions.js'),
  `export const extensions = ${importers(extensions)};\n` +
    `export const mimeExtensions = ${importers(mimeExtensions)};\n`
);

// The page jupyterlab_server renders (Jinja); server.py points templates_dir here.
fs.writeFileSync(
  path.join(outputDir, 'index.html'),
  `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>JupyterLab</title>
  {% set page_config_full = page_config.copy() %}
  {% set _ = page_config_full.update(baseUrl=base_url, wsUrl=ws_url) %}
  <script id="jupyter-config-data" type="application/json">{{ page_config_full | tojson }}</script>
  <script src="{{ page_config['fullStaticUrl'] | e }}/bundle.js"></script>
</head>
<body></body>
</html>
`
);

// Share the core packages with prebuilt extensions (which are built with `import: false` for
// them): every installed package the core pins, singletons as JupyterLab declares them.
const shared = {};
for (const [name, requiredVersion] of Object.entries(pkg.overrides)) {
  if (fs.existsSync(path.join(__dirname, 'node_modules', name, 'package.json'))) {
    shared[name] = { requiredVersion };
  }
}
for (const name of singletonPackages) {
  if (shared[name]) shared[name].singleton = true;
}

module.exports = [
  merge(baseConfig, {
    mode: 'development',
    devtool: false,
    entry: './index.js',
    output: {
      path: outputDir,
      filename: 'bundle.js',
      // The static URL is only known at run time: index.js sets __webpack_public_path__.
      publicPath: ''
    },
    plugins: [
      new webpack.container.ModuleFederationPlugin({
        name: 'CORE_FEDERATION',
        library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
        shared
      })
    ]
  }),
  ...themeConfigs
];
