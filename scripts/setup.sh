#!/usr/bin/env bash
# Create .venv and install mgqa into it, with the CPU build of torch (never a multi-GB CUDA build).
# Safe to run again: what is installed already is kept. Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-}
if [ -z "$python" ]; then
  python=$(command -v python3.11 || command -v python3 || true)
fi
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "mgqa needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)

# torch first, pinned to its CPU build, so sentence-transformers finds it and pulls nothing bigger.
# MGQA_TORCH_INDEX may name a package index that serves CPU wheels when no local one is configured.
if ! .venv/bin/python -c 'import torch, sys; sys.exit(torch.version.cuda is not None)' 2>/dev/null; then
  if [ -n "${MGQA_TORCH_INDEX:-}" ]; then
    "${pip[@]}" "torch==2.13.0+cpu" --index-url "$MGQA_TORCH_INDEX"
  else
    "${pip[@]}" "torch==2.13.0+cpu" || {
      echo "could not find the CPU build of torch 2.13.0; set MGQA_TORCH_INDEX to an index that serves it" >&2
      exit 1
    }
  fi
fi

if [ "${1:-}" = "--test" ]; then
  "${pip[@]}" -e ".[test]"
  # axe-core, the accessibility checker the browser tests run in the page, from npm into .tools/ (not committed).
  # Not fatal: without npm those checks are skipped, and say why.
  axe=4.11.4
  if ! grep -qs "\"version\": \"$axe\"" .tools/node_modules/axe-core/package.json; then
    if command -v npm >/dev/null; then
      npm install --silent --prefix .tools --no-save --no-package-lock --no-audit --no-fund "axe-core@$axe" ||
        echo "could not fetch axe-core with npm; the accessibility checks will be skipped" >&2
    else
      echo "npm not found: the accessibility checks (axe-core) will be skipped; install nodejs and npm to run them" >&2
    fi
  fi
else
  "${pip[@]}" -e .
fi

# Export the bundled model to ONNX now, into the user's cache, so the first `mgqa ask` needn't import torch.
# Not fatal: without the export mgqa makes it on first use, or runs on sentence-transformers.
.venv/bin/python -m mgqa.onnx_embedding || echo "the ONNX export failed; mgqa will use sentence-transformers" >&2
