/**
 * A fused copy of a model for inference: every batch norm that follows a linear layer is folded
 * into that layer's weights and bias (fold-bn.ts holds the formula), so inference runs one
 * convolution where the saved model runs a convolution and a batch norm. The copy is an ordinary
 * model whose description says what was folded, so `model-modify --fuse-bn` can save it:
 *
 *  - `C[…] BN` → `C[…]` and `C[…] BNA` → `C[…] A` (a `.B` convolution gains a bias); `DC` alike.
 *  - `C[…] SKIP[k] … BN` → `C[…] SKIP[k] …`: the batch norm of a sum is folded into every term
 *    (the convolution takes the shift, each SKIP projection is scaled).
 *  - `RSN.O` / `nRSN.O` / `BRSN.O` / `nBRSN.O` → the same with `.F` (convolutions with biases, no BN).
 *
 * A batch norm after anything else (pooling, an activation, a marked tensor, the pre-activation
 * blocks' BN → activation → convolution) stays. The fused model gives the eval-mode outputs of the
 * original to float rounding; it has no batch-norm statistics left to train.
 */
import type { ResidualLayer } from '../nn/residual.js';
import type { BatchNorm2d, LayerToken } from '../nn/index.js';
import { tensor, type Tensor } from '../torch/index.js';
import { foldBatchNorm, type BatchNormParams } from './fold-bn.js';
import { Model } from './model.js';

const LINEAR = new Set(['C', 'DC']);
const BLOCKS = new Set(['RSN', 'nRSN', 'BRSN', 'nBRSN']);

/** A weight (and bias) read to typed arrays, folded, and written back as new tensors. */
interface Linear {
  weight: Float32Array;
  shape: number[];
  bias?: Float32Array;
  transposed: boolean;
}

function readBn(state: Record<string, Tensor>, prefix: string, eps: number): BatchNormParams {
  const f = (n: string) => state[prefix + n]!.toFloat32Array();
  return { gamma: f('weight'), beta: f('bias'), mean: f('running_mean'), variance: f('running_var'), eps };
}

function fold(l: Linear, bn: BatchNormParams): void {
  const r = foldBatchNorm(l.weight, l.shape, l.bias, bn, l.transposed);
  l.weight = r.weight;
  l.bias = r.bias;
}

/** A batch norm that only scales (no shift): what the SKIP terms of a folded sum receive. */
function scaleOnly(bn: BatchNormParams): BatchNormParams {
  const zero = new Float32Array(bn.gamma.length);
  return { ...bn, beta: zero, mean: zero };
}

/** Whether `fuseBatchNorm` would fold anything in `model`. */
export function hasFoldableBatchNorm(model: Model): boolean {
  return plan(model.tokens).folds.length > 0 || model.tokens.some((t) => BLOCKS.has(t.type) && t.tags.includes('O') && !t.tags.includes('F'));
}

interface Plan {
  tokens: LayerToken[];
  /** New index → old index of each kept token. */
  from: number[];
  /** Old BN token index → the new index of the linear layer and of the SKIPs between them. */
  folds: { bn: number; linear: number; skips: number[] }[];
}

function plan(tokens: readonly LayerToken[]): Plan {
  const out: LayerToken[] = [];
  const from: number[] = [];
  const folds: Plan['folds'] = [];
  tokens.forEach((t, i) => {
    if (t.type === 'BN' || t.type === 'BNA') {
      let j = out.length - 1;
      const skips: number[] = [];
      while (j >= 0 && out[j]!.type === 'SKIP') skips.push(j--);
      if (j >= 0 && LINEAR.has(out[j]!.type)) {
        folds.push({ bn: i, linear: j, skips });
        out[j] = { ...out[j]!, tags: out[j]!.tags.replace('B', '') };
        if (t.type === 'BNA') out.push({ type: 'A', tags: '', args: [] }), from.push(-1);
        return;
      }
    }
    if (BLOCKS.has(t.type) && t.tags.includes('O') && !t.tags.includes('F')) out.push({ ...t, tags: `${t.tags}F` });
    else out.push({ ...t, args: [...t.args] });
    from.push(i);
  });
  return { tokens: out, from, folds };
}

/**
 * The fused copy of `model` (a new model on the same device; the caller disposes it). See the
 * module comment for what is folded. A model with nothing to fold gives a plain copy.
 */
export function fuseBatchNorm(model: Model): Model {
  const p = plan(model.tokens);
  const state = model.stateDict();
  const out: Record<string, Tensor> = {};
  const linears = new Map<number, Linear>();
  const readLinear = (oldIndex: number, transposed: boolean): Linear => {
    const w = state[`layers.${oldIndex}.weight`]!;
    const b = state[`layers.${oldIndex}.bias`];
    return { weight: w.toFloat32Array(), shape: w.shape, bias: b?.toFloat32Array(), transposed };
  };
  const oldOf = (newIndex: number) => p.from[newIndex]!;
  for (const f of p.folds) {
    const bnLayer = model.layers[f.bn] as unknown as { bn: BatchNorm2d };
    const bn = readBn(state, `layers.${f.bn}.`, bnLayer.bn.eps);
    const lin = linears.get(f.linear) ?? readLinear(oldOf(f.linear), model.tokens[oldOf(f.linear)]!.type === 'DC');
    fold(lin, bn);
    linears.set(f.linear, lin);
    for (const s of f.skips) {
      const skip = linears.get(s) ?? readLinear(oldOf(s), false);
      fold(skip, scaleOnly(bn));
      linears.set(s, skip);
    }
  }
  try {
    p.tokens.forEach((t, j) => {
      const i = p.from[j]!;
      if (i < 0) return;
      const prefix = `layers.${i}.`;
      const own = Object.keys(state).filter((n) => n.startsWith(prefix));
      const lin = linears.get(j);
      if (lin) {
        out[`layers.${j}.weight`] = tensor(lin.weight, { shape: lin.shape });
        out[`layers.${j}.bias`] = tensor(lin.bias!, { shape: [lin.bias!.length] });
        return;
      }
      if (BLOCKS.has(t.type) && t.tags.includes('F') && !model.tokens[i]!.tags.includes('F')) {
        foldBlocks(model.layers[i] as unknown as ResidualLayer, state, prefix, `layers.${j}.`, out);
        return;
      }
      for (const n of own) out[`layers.${j}.${n.slice(prefix.length)}`] = state[n]!.detach().to({ device: 'cpu' });
    });
    const fused = Model.fromTokens(p.tokens, { ...model.options(), weightInit: 'none' });
    fused.loadStateDict(out, { source: 'the fused weights' });
    fused.metadata = { ...model.metadata };
    fused.channelsLast = model.channelsLast;
    return model.device === 'cpu' ? fused : fused.to(model.device);
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  }
}

/** Folds each post-activation block's `bnK` into `convK` and `downsample.1` into `downsample.0`. */
function foldBlocks(layer: ResidualLayer, state: Record<string, Tensor>, from: string, to: string, out: Record<string, Tensor>): void {
  const repeated = layer.token.type.startsWith('n');
  layer.blocks.forEach((block, b) => {
    const src = repeated ? `${from}${b}.` : from;
    const dst = repeated ? `${to}${b}.` : to;
    const pairs: [conv: string, bn: string, eps: number][] = block.convs.map((_, k) => [`conv${k + 1}.`, `bn${k + 1}.`, block.bns[k]!.eps]);
    if (block.downsample) pairs.push(['downsample.0.', 'downsample.1.', block.downsample.bn!.eps]);
    for (const [conv, bn, eps] of pairs) {
      const w = state[`${src}${conv}weight`]!;
      const lin: Linear = { weight: w.toFloat32Array(), shape: w.shape, transposed: false };
      fold(lin, readBn(state, `${src}${bn}`, eps));
      out[`${dst}${conv}weight`] = tensor(lin.weight, { shape: lin.shape });
      out[`${dst}${conv}bias`] = tensor(lin.bias!, { shape: [lin.bias!.length] });
    }
  });
}
