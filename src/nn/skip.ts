/**
 * Skip connections and markers:
 *  SKIPSRC[index]  marks the current tensor under `index` (identity).
 *  SKIP[index]     adds a learned 1×1 projection (`weight`, `bias`) of the tensor marked `index`
 *                  to the current one; both must have the same height and width.
 *  SPLIT           a split point for split execution (segment-wise recomputation). It is an
 *                  identity in forward; the trainer cuts the layer list at SPLITs
 *                  (src/train/split.ts), and `model-modify --merge` removes them.
 */
import type { Tensor } from '../torch/index.js';
import { Layer, defineLayer, type BuildContext, type ForwardContext, type LayerToken, type Shape } from './layer.js';
import { Conv2d } from './primitives.js';

export class SkipSourceLayer extends Layer {
  readonly outShape: Shape;
  constructor(token: LayerToken, readonly mark: number, ctx: BuildContext) {
    super(token, ctx);
    if (ctx.marks.has(mark)) throw ctx.fail(`skip source ${mark} is already marked by an earlier SKIPSRC`);
    ctx.marks.set(mark, [...ctx.inShape]);
    this.outShape = [...ctx.inShape];
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    ctx.marks.set(this.mark, x);
    return x;
  }
}

export class SkipLayer extends Layer {
  readonly outShape: Shape;
  readonly conv: Conv2d;
  constructor(token: LayerToken, readonly mark: number, ctx: BuildContext) {
    super(token, ctx);
    const src = ctx.marks.get(mark);
    if (!src) throw ctx.fail(`no earlier SKIPSRC[${mark}] marks a tensor`);
    const [c, h, w] = ctx.inShape;
    if (src[1] !== h || src[2] !== w) throw ctx.fail(`the marked tensor is ${src[1]}×${src[2]} but this one is ${h}×${w}`);
    this.conv = this.child('', new Conv2d({ cin: src[0], cout: c, k: 1, stride: 1, pad: 0, bias: true }, ctx.env));
    this.outShape = [...ctx.inShape];
    this.srcShape = src;
  }
  readonly srcShape: Shape;
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const src = ctx.marks.get(this.mark);
    if (!src) throw new Error(`SKIP[${this.mark}]: nothing marked in this forward pass`);
    return x.add(this.conv.forward(src));
  }
  override flops(): number {
    return this.conv.flops(this.srcShape) + this.outShape[0] * this.outShape[1] * this.outShape[2];
  }
}

export class SplitLayer extends Layer {
  readonly outShape: Shape;
  constructor(token: LayerToken, ctx: BuildContext) {
    super(token, ctx);
    this.outShape = [...ctx.inShape];
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

export const skipSourceSpec = defineLayer({ type: 'SKIPSRC', about: 'mark a tensor for a later skip connection', args: [{ name: 'index', type: 'int', min: 0 }], tags: {}, example: 'SKIPSRC[1]',
  build: (t, a, ctx) => new SkipSourceLayer(t, a.index!, ctx) });
export const skipSpec = defineLayer({ type: 'SKIP', about: 'add a learned 1×1 projection of the marked tensor', args: [{ name: 'index', type: 'int', min: 0 }], tags: {}, example: 'SKIP[9]',
  build: (t, a, ctx) => new SkipLayer(t, a.index!, ctx) });
export const splitSpec = defineLayer({ type: 'SPLIT', about: 'split point for split execution (identity; --merge removes it)', args: [], tags: {}, example: 'SPLIT',
  build: (t, _a, ctx) => new SplitLayer(t, ctx) });
