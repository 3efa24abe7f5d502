#!/usr/bin/env bash
# Executes every notebook here headless with the tslab kernel (jupyter nbconvert --execute);
# a notebook that raises fails the run. Needs Debian's jupyter-nbconvert, python3-ipykernel,
# jupyter-client and python3-notebook (see the README).
#
#   npm run notebooks                     full runs, outputs written into the notebooks
#   LAYERWISE_SHORT=1 npm run notebooks   short runs (CI): outputs go to a scratch folder,
#                                         the committed notebooks keep their full-run outputs
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
python=/usr/bin/python3   # Debian's Python, which has Jupyter (python3 on PATH may be another)

if ! "$python" -m nbconvert --version >/dev/null 2>&1; then
  echo "notebooks: jupyter nbconvert is missing; run: apt-get install -y jupyter-nbconvert python3-ipykernel jupyter-client python3-notebook" >&2
  exit 1
fi
# The notebooks import layerwise's build, as a user's project would (file:../.. in package.json).
if [ ! -f ../../dist/index.js ] || [ -n "$(find ../../src -newer ../../dist/index.js -print -quit)" ]; then
  (cd ../.. && npm run build)
fi
[ -x node_modules/.bin/tslab ] || npm ci --no-audit --no-fund
node_modules/.bin/tslab install --python="$python" --binary="$here/node_modules/.bin/tslab" >/dev/null 2>&1

if [ "${LAYERWISE_SHORT:-}" = 1 ]; then
  out=$(mktemp -d)
  target=(--output-dir "$out")
else
  target=(--inplace)
fi
log=$(mktemp)
quiet() { grep -v -e 'frozen modules' -e 'Debugger warning' -e 'PYDEVD' -e 'Debugging will proceed' -e '^0.00s - ' "$log" || true; }
for notebook in [0-9]*.ipynb; do
  started=$SECONDS
  if ! "$python" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1800 "${target[@]}" "$notebook" >"$log" 2>&1; then
    quiet
    echo "notebooks: $notebook failed" >&2
    exit 1
  fi
  quiet
  echo "-- $notebook ran in $((SECONDS - started))s"
done
