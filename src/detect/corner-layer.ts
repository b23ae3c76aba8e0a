/**
 * DNC[features, loss_weight=1]: the DeNet corner distribution (DETECTOR.md §1.3). One 1×1
 * convolution to 4 + F channels: channels 0–3 are the logits of the four corner types (p =
 * σ(logit), CORNER_TYPES order), the other F the sampling map read by DNS. The corner biases
 * start at the logit of a low prior (p = 0.01). With detection targets the layer adds the loss
 * `corner` = loss_weight · BCE averaged over all cells and the 4 types. Output: [B, 4 + F, H, W].
 */
import { fullPrecision, noGrad, tensor, type Tensor } from '../torch/index.js';
import { Layer, defineLayer, type BuildContext, type ForwardContext, type LayerToken, type Shape } from '../nn/layer.js';
import { Conv2d } from '../nn/primitives.js';
import { cornerTargets } from './corners.js';
import { cornerLoss } from './losses.js';
import { detectionTargets } from './state.js';

/** Prior corner probability the biases start at. */
export const CORNER_PRIOR = 0.01;

export class CornerLayer extends Layer {
  readonly outShape: Shape;
  readonly conv: Conv2d;
  readonly features: number;
  readonly lossWeight: number;
  constructor(token: LayerToken, a: { features: number; loss_weight: number }, ctx: BuildContext) {
    super(token, ctx);
    const [c, h, w] = ctx.inShape;
    this.features = a.features;
    this.lossWeight = a.loss_weight;
    this.conv = this.child('', new Conv2d({ cin: c, cout: 4 + a.features, k: 1, stride: 1, pad: 0, bias: true }, ctx.env));
    if (ctx.env.weightInit !== 'none') {
      const bias = this.conv.namedParameters().find((p) => p.name === 'bias')!.tensor;
      noGrad(() => bias.narrow(0, 0, 4).fill_(Math.log(CORNER_PRIOR / (1 - CORNER_PRIOR))));
    }
    this.outShape = [4 + a.features, h, w];
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    // Dense NCHW from here on: the corner search reads it, and sparse sampling and the RoI classifier
    // run faster on NCHW than on a channels-last map (measured).
    const y = this.conv.forward(x).contiguous();
    const [b, , h, w] = y.shape as [number, number, number, number];
    const targets = detectionTargets(ctx, b, this.name);
    if (targets) {
      const data = new Float32Array(b * 4 * h * w);
      targets.forEach((t, i) => data.set(cornerTargets(t, w, h), i * 4 * h * w));
      const t = tensor(data, { shape: [b, 4, h, w], device: y.device });
      const logits = fullPrecision(y.narrow(1, 0, 4));
      ctx.addLoss('corner', cornerLoss(logits, t.to(logits.dtype)).mul(this.lossWeight));
    }
    return y;
  }
  /** `DNC (token i)` for messages. */
  get name(): string {
    return `DNC (token ${this.index})`;
  }
  override flops(): number {
    return this.conv.flops(this.inShape);
  }
}

export const cornerSpec = defineLayer({
  type: 'DNC',
  about: 'DeNet corner distribution: 1×1 conv to 4 corner logits + F sampling features; corner BCE loss',
  aliases: ['denet-corner'],
  args: [
    { name: 'features', type: 'int', min: 1, about: 'F, channels of the sampling map (96 for DeNet-34)' },
    { name: 'loss_weight', type: 'number', default: 1, min: 0, about: 'λt, weight of the corner loss (100 for DeNet-34)' },
  ],
  tags: {},
  example: 'DNC[8,100]',
  build: (t, a, ctx) => new CornerLayer(t, a, ctx),
});
