// Entry point of the test JupyterLab, after JupyterLab's dev_mode bootstrap.js + index.js:
// initialise the prebuilt (federated) extensions listed in the page config, then start JupyterLab
// with the core extensions of package.json and theirs.
/* global __webpack_init_sharing__, __webpack_share_scopes__ */
import { extensions, mimeExtensions } from './gen/extensions.js';

// Plugins that need server endpoints Debian's jupyter_server lacks (jupyter-lsp's /lsp, the
// jupyterlab package's /lab/api/news): enabled they only log errors.
const DISABLED = [
  '@jupyterlab/notebook-extension:language-server',
  '@jupyterlab/fileeditor-extension:language-server',
  '@jupyterlab/apputils-extension:announcements'
];

// @jupyterlab/coreutils' PageConfig is a shared module: it cannot be loaded before the share scope
// is initialised, so read the page config directly.
const pageConfig = JSON.parse(document.getElementById('jupyter-config-data').textContent);

// eslint-disable-next-line no-undef
__webpack_public_path__ = pageConfig.fullStaticUrl + '/';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = () => reject(new Error(`could not load ${url}`));
    script.onload = resolve;
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

// Loads an extension's remoteEntry.js and lets it join (and add to) the shared modules.
async function initFederated({ name, load }) {
  await loadScript(`${pageConfig.fullLabextensionsUrl}/${name}/${load}`);
  await __webpack_init_sharing__('default');
  await window._JUPYTERLAB[name].init(__webpack_share_scopes__.default);
}

async function createModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  return factory();
}

async function main() {
  const federated = pageConfig.federated_extensions;
  for (const result of await Promise.allSettled(federated.map(initFederated))) {
    if (result.status === 'rejected') console.error(result.reason);
  }

  await import('./gen/style.js');
  const { JupyterLab } = await import('@jupyterlab/application');
  const { PageConfig } = await import('@jupyterlab/coreutils');
  const { IConnectionStatus, IServiceManager } = await import('@jupyterlab/services');
  const { PluginRegistry } = await import('@lumino/coreutils');

  const disabled = [];
  const deferred = [];
  // Active plugins of an extension module (CommonJS or ES), noting disabled and deferred ones.
  function activePlugins(module) {
    const exports = Object.prototype.hasOwnProperty.call(module, '__esModule') ? module.default : module;
    return (Array.isArray(exports) ? exports : [exports]).filter(plugin => {
      if (PageConfig.Extension.isDisabled(plugin.id) || DISABLED.includes(plugin.id)) {
        disabled.push(plugin.id);
        return false;
      }
      if (PageConfig.Extension.isDeferred(plugin.id)) deferred.push(plugin.id);
      return true;
    });
  }
  async function loadAll(importers, federatedKey) {
    const modules = await Promise.allSettled([
      ...importers.map(importer => importer()),
      ...federated.filter(ext => ext[federatedKey]).map(ext => createModule(ext.name, ext[federatedKey]))
    ]);
    return modules.flatMap(result => {
      if (result.status === 'fulfilled') return activePlugins(result.value);
      console.error(result.reason);
      return [];
    });
  }
  const mimePlugins = await loadAll(mimeExtensions, 'mimeExtension');
  const plugins = await loadAll(extensions, 'extension');
  for (const ext of federated.filter(ext => ext.style)) {
    await createModule(ext.name, ext.style).catch(reason => console.error(reason));
  }

  // As JupyterLab 4.4+ does: service manager and connection status come from plugins
  // (@jupyterlab/services-extension).
  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager: await pluginRegistry.resolveOptionalService(IServiceManager),
    connectionStatus: await pluginRegistry.resolveOptionalService(IConnectionStatus),
    mimeExtensions: mimePlugins,
    disabled: { matches: disabled, patterns: PageConfig.Extension.disabled.map(v => v.raw) },
    deferred: { matches: deferred, patterns: PageConfig.Extension.deferred.map(v => v.raw) }
  });
  await lab.start({ ignorePlugins: deferred, bubblingKeydown: true });
  // For the tests (what JupyterLab's exposeAppInBrowser option does).
  window.jupyterapp = lab;
}

window.addEventListener('load', () => void main());
