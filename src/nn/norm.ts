/** Element-wise layers: BN, BNA (BN + activation), A (activation), D (dropout). */
import { F, type Tensor } from '../torch/index.js';
import { activation } from './activation.js';
import { Layer, defineLayer, numel, type BuildContext, type ForwardContext, type LayerToken, type Shape } from './layer.js';
import { BatchNorm2d } from './primitives.js';

/**
 * BN[momentum=0.9, eps=1e-5]: batch normalisation. `momentum` is the running-average keep rate
 * (running = 0.9·running + 0.1·batch), i.e. PyTorch momentum 0.1. BNA adds the activation.
 */
export class BatchNormLayer extends Layer {
  readonly outShape: Shape;
  readonly bn: BatchNorm2d;
  readonly act?: (x: Tensor) => Tensor;
  constructor(token: LayerToken, a: { momentum?: number; eps?: number }, ctx: BuildContext, withActivation: boolean) {
    super(token, ctx);
    this.outShape = [...ctx.inShape];
    this.bn = this.child('', new BatchNorm2d(ctx.inShape[0], a.momentum ?? ctx.env.bnMomentum, a.eps ?? ctx.env.bnEps));
    if (withActivation) this.act = activation(ctx.env.activation);
  }
  override autoArg(name: string): number | undefined {
    return name === 'momentum' ? this.bn.keep : name === 'eps' ? this.bn.eps : undefined;
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const y = this.bn.forward(x, ctx.training);
    return this.act ? this.act(y) : y;
  }
  override flops(): number {
    return this.bn.flops(this.inShape) + (this.act ? numel(this.inShape) : 0);
  }
}

const bnArgs = [
  { name: 'momentum', type: 'number', default: 'auto', min: 0, max: 1, about: 'running-average keep rate (default 0.9, or the model\'s --modify-bn value)' },
  { name: 'eps', type: 'number', default: 'auto', min: 0, about: 'default 1e-5' },
] as const;

export const batchNormSpec = defineLayer({
  type: 'BN',
  about: 'batch normalisation (momentum = running-average keep rate)',
  aliases: ['batchnorm'],
  args: [...bnArgs],
  tags: {},
  example: 'BN[0.95,0.001]',
  build: (t, a, ctx) => new BatchNormLayer(t, a, ctx, false),
});
export const batchNormActSpec = defineLayer({
  type: 'BNA',
  about: 'batch normalisation followed by the activation',
  args: [...bnArgs],
  tags: {},
  example: 'BNA',
  build: (t, a, ctx) => new BatchNormLayer(t, a, ctx, true),
});

/** A: the activation chosen by --activation. */
export class ActivationLayer extends Layer {
  readonly outShape: Shape;
  readonly act: (x: Tensor) => Tensor;
  constructor(token: LayerToken, ctx: BuildContext) {
    super(token, ctx);
    this.outShape = [...ctx.inShape];
    this.act = activation(ctx.env.activation);
  }
  forward(x: Tensor): Tensor {
    return this.act(x);
  }
  override flops(): number {
    return numel(this.inShape);
  }
}
export const activationSpec = defineLayer({
  type: 'A',
  about: 'activation chosen by --activation',
  aliases: ['activation'],
  args: [],
  tags: {},
  example: 'A',
  build: (t, _a, ctx) => new ActivationLayer(t, ctx),
});

/** D[rate=0.5]: dropout in training (inverted: survivors scaled by 1/(1−rate)); identity at test. */
export class DropoutLayer extends Layer {
  readonly outShape: Shape;
  constructor(token: LayerToken, readonly rate: number, ctx: BuildContext) {
    super(token, ctx);
    this.outShape = [...ctx.inShape];
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    return ctx.training && this.rate > 0 ? F.dropout(x, this.rate, true) : x.alias();
  }
}
export const dropoutSpec = defineLayer({
  type: 'D',
  about: 'dropout',
  aliases: ['dropout'],
  args: [{ name: 'rate', type: 'number', default: 0.5, min: 0, max: 0.999 }],
  tags: {},
  example: 'D[0.25]',
  build: (t, a, ctx) => new DropoutLayer(t, a.rate!, ctx),
});
