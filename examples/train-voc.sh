#!/usr/bin/env bash
# Train a DeNet on Pascal VOC 07+12 trainval and test on VOC2007 test (11-point mAP and the COCO
# numbers), as in the papers' VOC experiments.
#
#   GPU=0 examples/train-voc.sh denet34-skip-v1 /data/voc runs/denet34-voc
#
# VOC_ROOT holds VOCdevkit/VOC2007 and VOCdevkit/VOC2012.
set -euo pipefail
set -f
NET=${1:?usage: $0 NET VOC_ROOT [RUN_DIR]}
ROOT=${2:?usage: $0 NET VOC_ROOT [RUN_DIR]}
RUN=${3:-runs/$NET-voc}
TRAIN_SPEC=voc,2007-trainval,2012-trainval
TEST_SPEC=voc,2007-test
PREDICT_MODE=detect,voc,mscoco,image
PREDICT_DIR=predict-voc2007-test
source "$(dirname "$0")/recipe.sh"
