/** Spatial layers without weights: P (pooling), PI (upsampling), B (zero border), CM (crop+mirror). */
import { F, rand, stack, type Tensor } from '../torch/index.js';
import { Layer, defineLayer, windowOut, type BuildContext, type ForwardContext, type LayerToken, type Shape } from './layer.js';

/**
 * P[size, stride, pad]: max pooling (`.A` mean pooling, padding not counted). The size defaults to
 * the whole input (global pooling, H×W even when not square) and the stride to the size.
 */
export class PoolLayer extends Layer {
  readonly outShape: Shape;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly pad: number;
  readonly mean: boolean;
  constructor(token: LayerToken, a: { size?: number; stride?: number; pad: number }, ctx: BuildContext) {
    super(token, ctx);
    const [c, h, w] = ctx.inShape;
    this.mean = token.tags.includes('A');
    this.kernel = a.size === undefined ? [h, w] : [a.size, a.size];
    this.stride = a.stride === undefined ? [...this.kernel] : [a.stride, a.stride];
    this.pad = a.pad;
    const [kh, kw] = this.kernel;
    if (2 * a.pad > Math.min(kh, kw)) throw ctx.fail(`pad ${a.pad} is larger than half the window ${Math.min(kh, kw)}`);
    if (kh > h + 2 * a.pad || kw > w + 2 * a.pad) throw ctx.fail(`a ${kh}×${kw} pool is larger than its ${h}×${w} input${a.pad ? ` padded by ${a.pad}` : ''}`);
    this.outShape = [c, windowOut(h, kh, this.stride[0], a.pad), windowOut(w, kw, this.stride[1], a.pad)];
  }
  override autoArg(name: string): number | undefined {
    if (this.kernel[0] !== this.kernel[1]) return undefined;
    return name === 'size' ? this.kernel[0] : name === 'stride' ? this.stride[0] : undefined;
  }
  forward(x: Tensor): Tensor {
    const o = { stride: this.stride, padding: this.pad };
    return this.mean ? F.avgPool2d(x, this.kernel, { ...o, countIncludePad: false }) : F.maxPool2d(x, this.kernel, o);
  }
  override flops(): number {
    return this.outShape[0] * this.outShape[1] * this.outShape[2] * this.kernel[0] * this.kernel[1];
  }
}

export const poolSpec = defineLayer({
  type: 'P',
  about: 'max pooling (size = whole input, stride = size, pad = 0)',
  aliases: ['pool'],
  args: [
    { name: 'size', type: 'int', default: 'auto', min: 1 },
    { name: 'stride', type: 'int', default: 'auto', min: 1 },
    { name: 'pad', type: 'int', default: 0, min: 0 },
  ],
  tags: { A: 'mean pooling' },
  example: 'P.A[3,2,1]',
  build: (t, a, ctx) => new PoolLayer(t, a, ctx),
});

/** PI[factor]: nearest-neighbour upsampling ("pool inverse"). */
export class UpsampleLayer extends Layer {
  readonly outShape: Shape;
  constructor(token: LayerToken, readonly factor: number, ctx: BuildContext) {
    super(token, ctx);
    const [c, h, w] = ctx.inShape;
    this.outShape = [c, h * factor, w * factor];
  }
  forward(x: Tensor): Tensor {
    return F.interpolate(x, { size: [this.outShape[1], this.outShape[2]], mode: 'nearest' });
  }
}

export const upsampleSpec = defineLayer({
  type: 'PI',
  about: 'pool inverse: nearest-neighbour upsampling',
  aliases: ['upsample'],
  args: [{ name: 'factor', type: 'int', min: 1 }],
  tags: {},
  example: 'PI[2]',
  build: (t, a, ctx) => new UpsampleLayer(t, a.factor!, ctx),
});

/** B[pixels]: a zero border on all four sides. */
export class BorderLayer extends Layer {
  readonly outShape: Shape;
  constructor(token: LayerToken, readonly pixels: number, ctx: BuildContext) {
    super(token, ctx);
    const [c, h, w] = ctx.inShape;
    this.outShape = [c, h + 2 * pixels, w + 2 * pixels];
  }
  forward(x: Tensor): Tensor {
    const p = this.pixels;
    return F.pad(x, [p, p, p, p]);
  }
}

export const borderSpec = defineLayer({
  type: 'B',
  about: 'zero border',
  aliases: ['border'],
  args: [{ name: 'pixels', type: 'int', min: 0 }],
  tags: {},
  example: 'B[2]',
  build: (t, a, ctx) => new BorderLayer(t, a.pixels!, ctx),
});

/**
 * CM[crop, mirror=0.5]: in training, a random crop×crop window per image, mirrored left-right with
 * probability `mirror` (drawn from libtorch's generator, so a seed repeats it); at test, the centre crop.
 */
export class CropMirrorLayer extends Layer {
  readonly outShape: Shape;
  constructor(token: LayerToken, readonly crop: number, readonly mirror: number, ctx: BuildContext) {
    super(token, ctx);
    const [c, h, w] = ctx.inShape;
    if (crop > h || crop > w) throw ctx.fail(`crop ${crop} is larger than the ${h}×${w} input`);
    this.outShape = [c, crop, crop];
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const [b, , h, w] = x.shape as [number, number, number, number];
    const k = this.crop;
    if (!ctx.training) return x.narrow(2, (h - k) >> 1, k).narrow(3, (w - k) >> 1, k);
    const r = rand([b, 3]).toFloat32Array();
    const parts: Tensor[] = [];
    for (let i = 0; i < b; i++) {
      const y0 = Math.min(h - k, Math.floor(r[3 * i]! * (h - k + 1)));
      const x0 = Math.min(w - k, Math.floor(r[3 * i + 1]! * (w - k + 1)));
      let p = x.select(0, i).narrow(1, y0, k).narrow(2, x0, k);
      if (r[3 * i + 2]! < this.mirror) p = p.flip(2);
      parts.push(p);
    }
    return stack(parts, 0);
  }
}

export const cropMirrorSpec = defineLayer({
  type: 'CM',
  about: 'random crop and mirror in training; centre crop at test',
  aliases: ['crop-mirror'],
  args: [
    { name: 'crop', type: 'int', min: 1 },
    { name: 'mirror', type: 'number', default: 0.5, min: 0, max: 1 },
  ],
  tags: {},
  example: 'CM[28]',
  build: (t, a, ctx) => new CropMirrorLayer(t, a.crop!, a.mirror!, ctx),
});
