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
VOC=${2:?usage: $0 NET VOC_ROOT [RUN_DIR]}
RUN=${3:-runs/$NET-voc}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-$HERE/../bin}
EPOCHS=${EPOCHS:-90}
BATCH=${BATCH:-32}
"$BIN/model-train.js" ${DEVICE:-} \
  --model-desc $(cat "$HERE/models/$NET.desc") \
  --train "$VOC" --extension voc,2007-trainval,2012-trainval,scale=512,scale_mode=large,crop=512,crop_mode=denet,mirror,augment_photo \
  --test "$VOC" --test-extension voc,2007-test,scale=512,scale_mode=large,crop=512 \
  --solver nesterov --learn-rate 0.1 --learn-decay 0.0001 --learn-anneal 0.1 --learn-anneal-epochs 30 60 \
  --epochs "$EPOCHS" --batch-size "$BATCH" --thread-num 8 --output-prefix "$RUN"
"$BIN/model-predict.js" ${DEVICE:-} --model "$RUN/model.safetensors" \
  --input "$VOC" --extension voc,2007-test,scale=512,scale_mode=large,crop=512 \
  --predict-mode detect,voc,mscoco,image --max-pictures 50 --results "$RUN/predict-voc2007-test"
