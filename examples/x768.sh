#!/usr/bin/env bash
# The papers' x768 model: a trained 512×512 DeNet run at 768×768 with 36² = 1296 RoIs (no
# retraining; paper 2 fine-tunes it, which `model-train --model MODEL_X768 …` does).
#
#   GPU=0 examples/x768.sh runs/denet101-wide-v2/model.safetensors /data/coco
set -euo pipefail
MODEL=${1:?usage: $0 MODEL.safetensors COCO_ROOT}
COCO=${2:?usage: $0 MODEL.safetensors COCO_ROOT}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-$HERE/../bin}
X768=${MODEL%.safetensors}_x768.safetensors
"$BIN/model-modify.js" --input "$MODEL" --output "$X768" --image-size 768 768 --modify-layer denet-sparse sample_num=36
"$BIN/model-predict.js" ${DEVICE:-} --model "$X768" \
  --input "$COCO" --extension mscoco,2017-val,scale=768,scale_mode=large,crop=768 \
  --predict-mode detect,mscoco --results "${X768%.safetensors}-val2017"
