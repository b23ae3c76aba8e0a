/** Convolution layers: C (convolution), DC (transposed convolution), R (classifier). */
import { crossEntropy, fullPrecision, type Tensor } from '../torch/index.js';
import { Layer, defineLayer, borderPad, type BuildContext, type ForwardContext, type LayerToken, type Shape } from './layer.js';
import { Conv2d } from './primitives.js';

/** C[filters, size=1, stride=1]: padding from the border mode; `.B` drops the bias. */
export class ConvLayer extends Layer {
  readonly outShape: Shape;
  readonly conv: Conv2d;
  constructor(token: LayerToken, a: { filters: number; size: number; stride: number }, ctx: BuildContext, transposed = false) {
    super(token, ctx);
    const [c, h, w] = ctx.inShape;
    const pad = borderPad(ctx.env.borderMode, a.size);
    this.conv = this.child('', new Conv2d({ cin: c, cout: a.filters, k: a.size, stride: a.stride, pad, bias: !token.tags.includes('B'), transposed }, ctx.env));
    this.outShape = this.conv.outShape(ctx.inShape);
    if (this.outShape[1] < 1 || this.outShape[2] < 1) {
      throw ctx.fail(`a ${a.size}×${a.size} window with padding ${pad} does not fit the ${h}×${w} input (output would be ${this.outShape[1]}×${this.outShape[2]})`);
    }
    if (!transposed && pad >= a.size && a.size > 1) throw ctx.fail(`padding ${pad} must be smaller than the window ${a.size}`);
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
  override flops(): number {
    return this.conv.flops(this.inShape);
  }
}

const convArgs = [
  { name: 'filters', type: 'int', min: 1 },
  { name: 'size', type: 'int', default: 1, min: 1 },
  { name: 'stride', type: 'int', default: 1, min: 1 },
] as const;

export const convSpec = defineLayer({
  type: 'C',
  about: 'convolution; padding from --border-mode',
  aliases: ['conv', 'convolution'],
  args: [...convArgs],
  tags: { B: 'no bias (useful before BN)' },
  example: 'C[8,3,2]',
  build: (t, a, ctx) => new ConvLayer(t, a, ctx),
});

export const deconvSpec = defineLayer({
  type: 'DC',
  about: 'transposed convolution (PyTorch ConvTranspose2d with the border-mode padding)',
  aliases: ['deconv', 'transposed-conv'],
  args: [...convArgs],
  tags: { B: 'no bias' },
  example: 'DC[4,2,2]',
  build: (t, a, ctx) => new ConvLayer(t, a, ctx, true),
});

/**
 * R: the classifier. A 1×1 convolution to the class count, global mean pooling, and (when labels
 * are given) the softmax cross-entropy loss `class`. Output [B, classes, 1, 1]; the model
 * flattens it to [B, classes]. (Mean pooling after a 1×1 convolution equals a linear layer on the
 * pooled features, so torchvision's `fc` maps onto it.)
 */
export class ClassifierLayer extends Layer {
  readonly outShape: Shape;
  readonly conv: Conv2d;
  constructor(token: LayerToken, ctx: BuildContext) {
    super(token, ctx);
    const n = ctx.env.numClasses;
    if (!(n >= 1)) throw ctx.fail('the model has no classes (give class names or --classes)');
    this.conv = this.child('', new Conv2d({ cin: ctx.inShape[0], cout: n, k: 1, stride: 1, pad: 0, bias: true }, ctx.env));
    this.outShape = [n, 1, 1];
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const y = this.conv.forward(x).mean([2, 3], true);
    if (ctx.labels) ctx.addLoss('class', crossEntropy(fullPrecision(y.flatten(1)), ctx.labels));
    return y;
  }
  override flops(): number {
    const [, h, w] = this.inShape;
    return this.conv.flops(this.inShape) + this.outShape[0] * h * w;
  }
}

export const classifierSpec = defineLayer({
  type: 'R',
  about: 'classifier: 1×1 convolution to the class count, global mean pool, softmax cross-entropy',
  aliases: ['classifier'],
  args: [],
  tags: {},
  example: 'R',
  build: (t, _a, ctx) => new ClassifierLayer(t, ctx),
});
