#!/usr/bin/env bash
# Prepares the end-to-end tests (CI calls it; quick when all is in place): Debian's Chromium and
# Jupyter server packages, then the JupyterLab front end in app/ (npm ci ~1 min, build ~20 s).
# The tests also need `npm run build` at the repository root (the kernel and hypernodes' dist/).
set -euo pipefail
cd "$(dirname "$0")/app"

# fonts-liberation is only recommended by chromium: without it pages (and screenshots) lack fonts.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/liberation ] \
  || ! /usr/bin/python3 -c "import jupyter_server, jupyterlab_server, ipykernel" 2>/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    chromium fonts-liberation jupyter-server python3-jupyterlab-server python3-ipykernel
fi

# npm writes node_modules/.package-lock.json on every install: older than the lock file = stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ ! -f build/bundle.js ] || [ package-lock.json -nt build/bundle.js ] \
  || [ webpack.config.js -nt build/bundle.js ] || [ index.js -nt build/bundle.js ]; then
  npm run build
fi
