#!/usr/bin/env bash
# Train a DeNet from the papers on MS COCO 2017 train (= 2014 train + val35k, the papers'
# trainval35k) with 2017 val (= 2014 minival, 5k images none of which are in 2017 train) as the
# per-epoch test, then evaluate on 2017 val. (2014 train+val would contain every 2017 val image.)
#
#   GPU=0 examples/train-coco.sh denet34-skip-v1 /data/coco runs/denet34-skip-v1
#   GPU=0 examples/train-coco.sh denet101-wide-v2 /data/coco runs/denet101-wide-v2
#
# NET is a file in examples/models/ (without .desc): denet34|denet101 × skip|wide × v1|v2.
# COCO: annotations/instances_{train2017,val2017}.json + {train2017,val2017}/.
# The recipe of DETECTOR.md §7 (90 epochs, ×0.1 at 30 and 60, Nesterov, 512×512, batch 128 over
# several GPUs; here --batch-size per device and model-train-multi for more devices). Set
# DEVICE=--device\ cuda:1 or GPU=N to pick a device; EPOCHS / BATCH to shorten a trial run.
set -euo pipefail
set -f   # the description's [..] tokens are not file globs
NET=${1:?usage: $0 NET COCO_ROOT [RUN_DIR]}
ROOT=${2:?usage: $0 NET COCO_ROOT [RUN_DIR]}
RUN=${3:-runs/$NET-coco}
TRAIN_SPEC=mscoco,2017-train
TEST_SPEC=mscoco,2017-val
PREDICT_MODE=detect,mscoco,image
PREDICT_DIR=predict-val2017
source "$(dirname "$0")/recipe.sh"
