#!/usr/bin/env bash
# The papers' ablation on the generated data (bench/ablation.ts): v1, + joint fitness,
# + Bounded IoU, + corner clustering — same data, seed, solver and epochs for each; prints AP,
# AP50, AP75, detection and training images/s, and the fitness heads ranked by P(c) instead.
#
#   examples/ablation.sh                                   # 3000 images × 4 epochs per variant
#   examples/ablation.sh --train 8000 --epochs 6           # the demo's budget per variant
#   DENET_THREADS=1 examples/ablation.sh --out /tmp/abl    # where the data and runs go
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
exec node --import tsx bench/ablation.ts --train 3000 --test 300 --epochs 4 ${DENET_THREADS:+--threads "$DENET_THREADS"} "$@"
