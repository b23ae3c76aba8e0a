#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for DeNet: system packages (when run as root; otherwise
# prints the exact apt-get line), npm packages, the native addon and the TypeScript build.
# Downloads nothing outside Debian's and npm's registries.
set -euo pipefail
cd "$(dirname "$0")/.."

# libtorch + c10d/Gloo headers for the addon; python3-torch(vision) for reference values in tests
# and benchmarks; Fashion-MNIST for real images; DejaVu fonts for text in the PNG pictures;
# Chromium for the browser test of examples/web (driven by npm's playwright-core). OpenBLAS
# (its OpenMP build, libtorch's threading) replaces the reference BLAS that libtorch otherwise
# loads through Debian's libblas.so.3 alternative: a 1152×800 by 800×384 matrix product took
# 188 ms there and 3.8 ms with OpenBLAS, and libtorch runs 1×1 convolutions at batch < 16 on one
# thread through BLAS (docs/engine.md).
packages=(libtorch-dev libgloo-dev python3-torch python3-torchvision libopenblas0-openmp dataset-fashion-mnist fonts-dejavu-core chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -q
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "Missing system packages. Run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # onnxruntime-node's CPU binary ships in its package; its install script would fetch GPU extras.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi
npm run build
