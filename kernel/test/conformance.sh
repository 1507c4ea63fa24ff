#!/usr/bin/env bash
# Runs Debian's python3-jupyter-kernel-test against the HyperNodes kernel (needs `npm run build` first).
# The spec is installed into a temporary prefix found through JUPYTER_PATH, and the tests run from a
# temporary folder, so the kernel also proves `import "hypernodes"` works outside the project.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3   # Debian's Python, where the apt packages live (not a pyenv/venv python3 on PATH)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

node "$here/../bin/hypernodes-kernel.js" install --prefix "$work/prefix" >/dev/null
export JUPYTER_PATH="$work/prefix/share/jupyter"
export JUPYTER_RUNTIME_DIR="$work/runtime"
cd "$work"
if "$python" -c "import pytest" 2>/dev/null; then
  "$python" -m pytest -p no:cacheprovider -v "$here/test_conformance.py"
else
  "$python" -m unittest discover -v -s "$here" -p "test_conformance.py"
fi
