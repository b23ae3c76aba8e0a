# The papers' training recipe (DETECTOR.md §7), shared by train-coco.sh and train-voc.sh, which set
# NET, ROOT, RUN, TRAIN_SPEC, TEST_SPEC, PREDICT_MODE and PREDICT_DIR and then source this file:
# Nesterov SGD, momentum 0.9, weight decay 1e-4, rate 0.1 ×0.1 after epochs 30 and 60, 512×512
# input, denet crops, mirror and photometric jitter; then prediction on the test split.
# EPOCHS / BATCH shorten a trial run; DEVICE=--device\ cuda:1 or GPU=N pick the device;
# BACKBONE=resnet34.safetensors starts from ImageNet weights (a torchvision state dict, see README).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${BIN:-$HERE/../bin}
EPOCHS=${EPOCHS:-90}
BATCH=${BATCH:-32}
INPUT=scale=512,scale_mode=large,crop=512
"$BIN/model-train.js" ${DEVICE:-} ${BACKBONE:+--backbone "$BACKBONE"} \
  --model-desc $(cat "$HERE/models/$NET.desc") \
  --train "$ROOT" --extension "$TRAIN_SPEC,$INPUT,crop_mode=denet,mirror,augment_photo" \
  --test "$ROOT" --test-extension "$TEST_SPEC,$INPUT" \
  --solver nesterov --learn-rate 0.1 --learn-momentum 0.9 --learn-decay 0.0001 \
  --learn-anneal 0.1 --learn-anneal-epochs 30 60 \
  --epochs "$EPOCHS" --batch-size "$BATCH" --thread-num 8 --output-prefix "$RUN"
"$BIN/model-predict.js" ${DEVICE:-} --model "$RUN/model.safetensors" \
  --input "$ROOT" --extension "$TEST_SPEC,$INPUT" \
  --predict-mode "$PREDICT_MODE" --max-pictures 50 --results "$RUN/$PREDICT_DIR"
