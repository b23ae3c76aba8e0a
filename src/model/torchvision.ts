/**
 * Name mapping between our ResNet descriptions and torchvision's ResNet `state_dict`, so ImageNet
 * weights import by name. A torchvision ResNet is, in our language (border mode half):
 *
 *   resnet18   C.B[64,7,2] BN A P[3,2,1] 2RSN.O[64] 2RSN.O[128,3,2] 2RSN.O[256,3,2] 2RSN.O[512,3,2] R
 *   resnet34   … 3RSN.O[64] 4RSN.O[128,3,2] 6RSN.O[256,3,2] 3RSN.O[512,3,2] R
 *   resnet50   … 3BRSN.O[256] 4BRSN.O[512,3,2] 6BRSN.O[1024,3,2] 3BRSN.O[2048,3,2] R
 *   resnet101  … 3BRSN.O[256] 4BRSN.O[512,3,2] 23BRSN.O[1024,3,2] 3BRSN.O[2048,3,2] R
 *
 * The first C ↔ `conv1`, the first BN ↔ `bn1`, the k-th nRSN/nBRSN ↔ `layer<k>` (block names
 * inside are already torchvision's), R ↔ `fc` (its [classes, C, 1, 1] weight ↔ fc's [classes, C]).
 * Without R (a backbone) `fc.*` is simply not used.
 */
import { readSafetensors, type Tensor } from '../torch/index.js';
import { BatchNormLayer, ClassifierLayer, ConvLayer, ResidualLayer } from '../nn/index.js';
import { UserError } from '../util/errors.js';
import type { Model } from './model.js';

export const TORCHVISION_RESNETS: Record<string, string> = {
  resnet18: 'C.B[64,7,2] BN A P[3,2,1] 2RSN.O[64] 2RSN.O[128,3,2] 2RSN.O[256,3,2] 2RSN.O[512,3,2] R',
  resnet34: 'C.B[64,7,2] BN A P[3,2,1] 3RSN.O[64] 4RSN.O[128,3,2] 6RSN.O[256,3,2] 3RSN.O[512,3,2] R',
  resnet50: 'C.B[64,7,2] BN A P[3,2,1] 3BRSN.O[256] 4BRSN.O[512,3,2] 6BRSN.O[1024,3,2] 3BRSN.O[2048,3,2] R',
  resnet101: 'C.B[64,7,2] BN A P[3,2,1] 3BRSN.O[256] 4BRSN.O[512,3,2] 23BRSN.O[1024,3,2] 3BRSN.O[2048,3,2] R',
};

/**
 * Our tensor name → torchvision's, for every parameter and buffer of the mapped layers (without
 * the classifier `fc` when `classifier` is false).
 */
export function torchvisionResnetNames(model: Model, classifier = true): Map<string, string> {
  const prefixes = new Map<number, string>();
  let stage = 0;
  model.layers.forEach((l, i) => {
    if (l instanceof ConvLayer && !prefixes.has(-1)) prefixes.set(-1, 'conv1'), prefixes.set(i, 'conv1');
    else if (l instanceof BatchNormLayer && !prefixes.has(-2)) prefixes.set(-2, 'bn1'), prefixes.set(i, 'bn1');
    else if (l instanceof ResidualLayer && l.token.type.startsWith('n')) prefixes.set(i, `layer${++stage}`);
    else if (l instanceof ClassifierLayer && classifier) prefixes.set(i, 'fc');
  });
  const out = new Map<string, string>();
  for (const { name } of [...model.namedParameters(), ...model.namedBuffers()]) {
    const m = /^layers\.(\d+)\.(.+)$/.exec(name)!;
    const p = prefixes.get(Number(m[1]));
    if (p) out.set(name, `${p}.${m[2]}`);
  }
  return out;
}

/**
 * Copies a torchvision ResNet state dict (torchvision names) into `model`. Every mapped tensor must
 * be present with a matching shape (fc's weight is reshaped to the 1×1 convolution; `classifier`
 * false leaves our classifier as it is). Returns the torchvision names that were not used. The
 * given tensors are not disposed.
 */
export function loadTorchvisionResnet(model: Model, state: Record<string, Tensor>, classifier = true): string[] {
  const names = torchvisionResnetNames(model, classifier);
  const ours: Record<string, Tensor> = {};
  const used = new Set<string>();
  const own = model.stateDict();
  for (const [mine, theirs] of names) {
    const t = state[theirs];
    if (!t) throw new UserError(`the torchvision state dict lacks "${theirs}" (for ${mine})`);
    const want = own[mine]!.shape;
    if (t.numel !== want.reduce((a, b) => a * b, 1)) throw new UserError(`torchvision "${theirs}" has shape [${t.shape}] but ${mine} needs [${want}]`);
    ours[mine] = t.reshape(want).clone();
    used.add(theirs);
  }
  model.loadStateDict(ours, { strict: false, source: 'the torchvision state dict' });
  return Object.keys(state).filter((n) => !used.has(n));
}

/**
 * `--backbone FILE`: loads a torchvision ResNet state dict saved as safetensors (for example
 * `safetensors.torch.save_file(torchvision.models.resnet34(weights="IMAGENET1K_V1").state_dict(), FILE)`)
 * into the ResNet part of `model` by name (not the classifier: the task has its own). Returns a
 * one-line summary.
 */
export function importTorchvisionBackbone(model: Model, file: string): string {
  const { tensors } = readSafetensors(file);
  try {
    const mapped = torchvisionResnetNames(model, false).size;
    if (mapped === 0) throw new UserError(`--backbone ${file}: the model has no ResNet layers to load into (see TORCHVISION_RESNETS)`);
    const unused = loadTorchvisionResnet(model, tensors, false);
    return `loaded ${mapped} backbone tensors from ${file}${unused.length ? ` (not used: ${unused.slice(0, 4).join(', ')}${unused.length > 4 ? ', …' : ''})` : ''}`;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
