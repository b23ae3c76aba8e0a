/**
 * Building blocks used inside layers: a 2-D convolution and a batch norm, each a Module whose
 * tensor names are PyTorch's (`weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`).
 */
import { F, empty, noGrad, ones, zeros, type Tensor } from '../torch/index.js';
import { initWeight } from './init.js';
import type { LayerEnv, Shape } from './layer.js';
import { Module } from './module.js';

export interface ConvOptions {
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: number;
  bias: boolean;
  /** Transposed convolution (weight [cin, cout, k, k]). */
  transposed?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly hasBias: boolean;
  constructor(readonly o: ConvOptions, env: LayerEnv) {
    super();
    const shape = o.transposed ? [o.cin, o.cout, o.k, o.k] : [o.cout, o.cin, o.k, o.k];
    const w = empty(shape);
    if (env.weightInit === 'none') noGrad(() => w.zero_());
    else initWeight(w, env.weightInit, o.cin * o.k * o.k, o.cout * o.k * o.k);
    this.weight = this.param('weight', w, true);
    this.hasBias = o.bias;
    if (o.bias) this.param('bias', zeros([o.cout]), false);
  }
  forward(x: Tensor): Tensor {
    const w = this.get('weight');
    const b = this.hasBias ? this.get('bias') : null;
    const opts = { stride: this.o.stride, padding: this.o.pad };
    return this.o.transposed ? F.convTranspose2d(x, w, b, opts) : F.conv2d(x, w, b, opts);
  }
  /** Output shape for an input shape. */
  outShape(s: Shape): Shape {
    const { k, stride, pad } = this.o;
    const f = (n: number) => (this.o.transposed ? (n - 1) * stride - 2 * pad + k : Math.floor((n + 2 * pad - k) / stride) + 1);
    return [this.o.cout, f(s[1]), f(s[2])];
  }
  /** FLOPs for an input shape: 2 per multiply-add, plus one add per output for the bias. */
  flops(s: Shape): number {
    const out = this.outShape(s);
    const { cin, k } = this.o;
    if (this.o.transposed) return 2 * s[1] * s[2] * cin * out[0] * k * k + (this.hasBias ? out[0] * out[1] * out[2] : 0);
    return out[0] * out[1] * out[2] * (2 * cin * k * k + (this.hasBias ? 1 : 0));
  }
}

/**
 * Batch normalisation over channels. `keep` is the running-average keep rate of the description
 * language (0.9), i.e. PyTorch momentum 1 − keep.
 */
export class BatchNorm2d extends Module {
  constructor(readonly channels: number, public keep = 0.9, public eps = 1e-5) {
    super();
    this.param('weight', ones([channels]), false);
    this.param('bias', zeros([channels]), false);
    this.buffer('running_mean', zeros([channels]));
    this.buffer('running_var', ones([channels]));
    this.buffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }
  forward(x: Tensor, training: boolean): Tensor {
    if (training) noGrad(() => this.get('num_batches_tracked').add_(1));
    return F.batchNorm(x, {
      weight: this.get('weight'),
      bias: this.get('bias'),
      runningMean: this.get('running_mean'),
      runningVar: this.get('running_var'),
      training,
      momentum: 1 - this.keep,
      eps: this.eps,
    });
  }
  /** Scale and shift per element. */
  flops(s: Shape): number {
    return 2 * s[0] * s[1] * s[2];
  }
}
