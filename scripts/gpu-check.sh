#!/usr/bin/env bash
# GPU readiness check (docs/gpu.md): on a machine with an NVIDIA GPU and PyTorch with CUDA for
# Python, proves the CUDA path in one short run (about 8 minutes):
#   1. builds the addon against that PyTorch's libtorch (scripts/libtorch.mjs finds it),
#   2. prints `denet info` (libtorch, CUDA, devices),
#   3. runs the CUDA test subset (`npm test -- cuda`, test/cuda/),
#   4. times DeNet-34 skip at 512², batch 1 and 8, against torchvision's ResNet-34 backbone
#      (bench/gpu-speed.ts; `denet benchmark` too where it exists),
#   5. trains the demo for 2 epochs on the GPU (images/s and the held-out AP).
# Without Node.js it says what to bring (`npm run pack-gpu` makes it). Writes runs/gpu-check.log.
#
#   bash scripts/gpu-check.sh            # or: npm run gpu-check
#   bash scripts/gpu-check.sh --dry-run  # the steps that need no GPU; says what it skipped
#   bash scripts/gpu-check.sh --dry-run --build   # also rebuild the addon in the dry run
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
DRY=0
BUILD_IN_DRY=0
for a in "$@"; do
  case "$a" in
    --dry-run) DRY=1 ;;
    --build) BUILD_IN_DRY=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument $a (expected --dry-run, --build)"; exit 2 ;;
  esac
done

mkdir -p runs
exec > >(tee runs/gpu-check.log) 2>&1
START=$(date +%s)
SKIPPED=()
FAILED=()
step() { echo; echo "== $1  [$(( $(date +%s) - START )) s]"; }
skip() { SKIPPED+=("$1"); echo "skipped: $1"; }
failed() { FAILED+=("$1"); echo "FAILED: $1"; }
JOBS=$(nproc 2>/dev/null || echo 4)

# ---- Node.js: on the PATH, or the one `npm run pack-gpu` put in .gpu-node -----------------------
step "Node.js"
node_ok() { command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; }
if [ -x .gpu-node/bin/node ]; then
  export PATH="$ROOT/.gpu-node/bin:$PATH"
  export npm_config_nodedir="$ROOT/.gpu-node" # node-gyp builds against these headers
fi
if ! node_ok; then
  cat <<'EOF'
Node.js >= 20 is not installed here. Bring it along with the project (at most 64 MiB in all):
on a machine with Node 20+ and this project set up (npm ci), run
    npm run pack-gpu
which writes denet-gpu.tar.xz (the project, node_modules, the Node binary and the Node headers
node-gyp needs, xz-compressed; it checks the 64 MiB budget). Copy it here and run
    tar xJf denet-gpu.tar.xz && cd denet && bash scripts/gpu-check.sh
EOF
  exit 3
fi
echo "node $(node -v) at $(command -v node)"
if [ ! -d node_modules/tsx ]; then
  echo "node_modules is missing: bring the project as made by 'npm run pack-gpu' (it holds node_modules), or run npm ci where the npm registry is reachable"
  exit 3
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
DENET=(node --import tsx src/cli/denet.ts)

# ---- PyTorch and the GPU as Python sees them -------------------------------------------------------
step "PyTorch (python3)"
# The first Python that imports torch (the order scripts/libtorch.mjs tries).
PY=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
  if "$p" -c 'import torch' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
  echo "no python3 here imports torch: install PyTorch (with CUDA) for python3, or set PYTHON or LIBTORCH"
  [ $DRY = 1 ] || exit 3
  PY=python3
fi
export PYTHON=$PY
echo "python: $PY"
"$PY" - <<'EOF' 2>/dev/null || true
import torch
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, available {torch.cuda.is_available()}, devices {torch.cuda.device_count()}")
for i in range(torch.cuda.device_count()):
    print(f"  cuda:{i} {torch.cuda.get_device_name(i)}")
EOF
CUDA_PY=$("$PY" -c 'import torch; print(int(torch.cuda.is_available()))' 2>/dev/null || echo 0)

# ---- build -------------------------------------------------------------------------------------
step "build the addon against this libtorch"
node scripts/libtorch.mjs | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s);console.log(`libtorch ${t.version} from ${t.source} (${t.root}), CUDA ${t.cuda?"yes":"no"}, defines ${t.defines.join(" ")}`)})' || echo "no libtorch found (see the message above)"
for tool in g++ make; do command -v $tool >/dev/null || echo "warning: $tool is missing: the addon cannot be built here (apt-get install -y build-essential)"; done
if [ $DRY = 1 ] && [ $BUILD_IN_DRY = 0 ] && [ -f build/Release/denet_native.node ]; then
  skip "build: the addon exists; a dry run does not rebuild it (--build forces)"
else
  if ! JOBS=$JOBS node scripts/build-native.mjs > runs/gpu-check-build.log 2>&1; then
    echo "build failed (tail of runs/gpu-check-build.log below); retrying without NCCL (DENET_NO_NCCL=1)"
    tail -n 25 runs/gpu-check-build.log
    if ! DENET_NO_NCCL=1 JOBS=$JOBS node scripts/build-native.mjs > runs/gpu-check-build.log 2>&1; then
      tail -n 40 runs/gpu-check-build.log
      failed "build (runs/gpu-check-build.log)"
      echo "cannot go on without the addon"; exit 1
    fi
    failed "build with NCCL (built without it; multi-GPU training uses Gloo)"
  fi
  tail -n 1 runs/gpu-check-build.log
fi

# ---- denet info -----------------------------------------------------------------------------------
step "denet info"
"${DENET[@]}" info || failed "denet info"
CUDA_OK=$(node --import tsx -e 'import("./src/torch/index.ts").then((t) => console.log(t.cuda.isAvailable() ? 1 : 0))' 2>/dev/null || echo 0)
if [ "$CUDA_OK" != 1 ] && [ $DRY = 0 ]; then
  echo "the addon does not see CUDA (python: $CUDA_PY): check that libtorch_cuda.so is linked (denet info, ldd build/Release/denet_native.node)"
  failed "CUDA not available to the addon"
fi

# ---- CUDA test subset -------------------------------------------------------------------------
step "CUDA test subset (npm test -- cuda)"
if [ "$CUDA_OK" = 1 ]; then
  timeout 300 node scripts/run-tests.mjs cuda || failed "CUDA test subset"
else
  echo "no CUDA: the subset's tests skip themselves; running their code with the CPU in the GPU's place (DENET_CUDA_TESTS_DEVICE=cpu)"
  node scripts/run-tests.mjs cuda 2>&1 | grep -E '^# (SKIP|tests|pass|fail|skipped)|# SKIP' | head -n 12
  DENET_CUDA_TESTS_DEVICE=cpu timeout 600 node scripts/run-tests.mjs cuda > runs/gpu-check-tests.log 2>&1 \
    && echo "the subset's code passes with the CPU in the GPU's place ($(grep -E '^# (pass|skipped)' runs/gpu-check-tests.log | tr '\n' ' '))" \
    || { tail -n 30 runs/gpu-check-tests.log; failed "the CUDA subset's code on the CPU (runs/gpu-check-tests.log)"; }
  skip "the CUDA test subset on a GPU (no CUDA here)"
fi

# ---- speed ------------------------------------------------------------------------------------
step "DeNet-34 skip at 512², batch 1 and 8, against torchvision's ResNet-34 backbone"
if [ "$CUDA_OK" = 1 ]; then
  timeout 240 node --import tsx bench/gpu-speed.ts cuda:0 || failed "speed (bench/gpu-speed.ts)"
  if "${DENET[@]}" --help 2>/dev/null | grep -q benchmark; then
    timeout 120 "${DENET[@]}" benchmark --device cuda:0 || failed "denet benchmark"
  fi
else
  skip "speed: DeNet-34 at 512² is timed on a GPU only (bench/gpu-speed.ts cpu runs it here, slowly)"
fi

# ---- demo -------------------------------------------------------------------------------------
step "the demo, 2 epochs on the GPU"
if [ "$CUDA_OK" = 1 ]; then
  rm -rf runs/gpu-check-demo
  if timeout 300 "${DENET[@]}" demo --recipe scratch --device cuda:0 --epochs 2 --threads "$JOBS" --output runs/gpu-check-demo > runs/gpu-check-demo.log 2>&1; then
    grep -E '^(Demo|epoch [0-9]|AP )' runs/gpu-check-demo.log
  else
    tail -n 30 runs/gpu-check-demo.log
    failed "demo on the GPU (runs/gpu-check-demo.log)"
  fi
else
  skip "demo on the GPU (no CUDA here; 'denet demo --quick' is the CPU smoke test)"
fi

# ---- summary ----------------------------------------------------------------------------------
step "summary"
echo "$(( $(date +%s) - START )) s in all; log: runs/gpu-check.log"
for s in ${SKIPPED[@]+"${SKIPPED[@]}"}; do echo "  skipped: $s"; done
for f in ${FAILED[@]+"${FAILED[@]}"}; do echo "  FAILED:  $f"; done
if [ ${#FAILED[@]} -gt 0 ]; then exit 1; fi
echo "  everything that ran passed"
