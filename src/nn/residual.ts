/**
 * Residual blocks with torchvision's tensor names, so ImageNet ResNets load by name.
 *
 *  RSN[filters, size=3, stride=1]    basic block: two size×size convolutions.
 *  BRSN[filters, size=3, stride=1]   bottleneck block: 1×1 to filters/4, size×size (stride here, as
 *                                    torchvision's ResNet v1.5), 1×1 to filters (filters = output
 *                                    channels, a multiple of 4).
 *  nRSN[n, filters, size, stride], nBRSN[…]: n blocks, the stride on the first (shorthand `3RSN[64]`);
 *                                    names `0.conv1.weight`, `1.bn2.running_mean`, … as in `layer1`.
 *
 * `.O` is the original post-activation block (conv → BN → act …, add, act), torchvision's layout;
 * the default is the pre-activation block (BN → act → conv …, add). Convolutions have no bias and
 * always pad size//2. A projection shortcut (`downsample.0`: 1×1 convolution with the stride;
 * `downsample.1`: BN in the post-activation block) is added when the channels or the size change;
 * in the pre-activation block it reads the pre-activated input.
 *
 * `.OF` is the post-activation block with its batch norms folded into the convolutions (written by
 * `model-modify --fuse-bn` and used for inference): every convolution has a bias and there is no BN.
 */
import type { Tensor } from '../torch/index.js';
import { activation } from './activation.js';
import { Layer, defineLayer, numel, type BuildContext, type ForwardContext, type LayerEnv, type LayerToken, type Shape } from './layer.js';
import { Module } from './module.js';
import { BatchNorm2d, Conv2d } from './primitives.js';

/** The `downsample` Sequential: `0` convolution, optionally `1` batch norm. */
class Downsample extends Module {
  readonly conv: Conv2d;
  readonly bn?: BatchNorm2d;
  constructor(cin: number, cout: number, stride: number, withBn: boolean, env: LayerEnv, bias = false) {
    super();
    this.conv = this.child('0', new Conv2d({ cin, cout, k: 1, stride, pad: 0, bias }, env));
    if (withBn) this.bn = this.child('1', new BatchNorm2d(cout, env.bnMomentum, env.bnEps));
  }
  forward(x: Tensor, training: boolean): Tensor {
    const y = this.conv.forward(x);
    return this.bn ? this.bn.forward(y, training) : y;
  }
  flops(s: Shape): number {
    return this.conv.flops(s) + (this.bn ? this.bn.flops(this.conv.outShape(s)) : 0);
  }
}

/** One residual block (basic or bottleneck, pre- or post-activation). */
export class ResidualBlock extends Module {
  readonly convs: Conv2d[] = [];
  /** Empty when the batch norms are folded into the convolutions. */
  readonly bns: BatchNorm2d[] = [];
  readonly downsample?: Downsample;
  readonly outShape: Shape;
  readonly act: (x: Tensor) => Tensor;
  readonly post: boolean;
  #flops = 0;

  constructor(readonly inShape: Shape, o: { filters: number; size: number; stride: number; bottleneck: boolean; post: boolean; folded?: boolean }, env: LayerEnv) {
    super();
    const cin = inShape[0];
    const { filters, size: k, stride, bottleneck, post } = o;
    const folded = !!o.folded;
    this.act = activation(env.activation);
    this.post = post;
    const width = bottleneck ? filters / 4 : filters;
    const plan = bottleneck
      ? [{ cin, cout: width, k: 1, stride: 1 }, { cin: width, cout: width, k, stride }, { cin: width, cout: filters, k: 1, stride: 1 }]
      : [{ cin, cout: filters, k, stride }, { cin: filters, cout: filters, k, stride: 1 }];
    let s: Shape = inShape;
    plan.forEach((p, i) => {
      const conv = this.child(`conv${i + 1}`, new Conv2d({ ...p, pad: Math.floor(p.k / 2), bias: folded }, env));
      this.convs.push(conv);
      if (folded) {
        this.#flops += conv.flops(s);
        s = conv.outShape(s);
        if (i < plan.length - 1) this.#flops += numel(s);
        return;
      }
      // Pre-activation: BN i+1 normalises the input of conv i+1; post-activation: its output.
      const bn = this.child(`bn${i + 1}`, new BatchNorm2d(post ? p.cout : p.cin, env.bnMomentum, env.bnEps));
      this.#flops += (post ? 0 : bn.flops(s) + numel(s)) + conv.flops(s);
      s = conv.outShape(s);
      if (post) this.#flops += bn.flops(s) + (i < plan.length - 1 ? numel(s) : 0);
      this.bns.push(bn);
    });
    this.outShape = s;
    if (cin !== filters || stride !== 1) {
      this.downsample = this.child('downsample', new Downsample(cin, filters, stride, post && !folded, env, folded));
      this.#flops += this.downsample.flops(inShape);
    }
    this.#flops += numel(s) * (post ? 2 : 1);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const n = this.convs.length;
    let y: Tensor;
    let shortcutIn = x;
    if (this.post) {
      y = x;
      for (let i = 0; i < n; i++) {
        y = this.convs[i]!.forward(y);
        if (this.bns.length) y = this.bns[i]!.forward(y, training);
        if (i < n - 1) y = this.act(y);
      }
    } else {
      y = x;
      for (let i = 0; i < n; i++) {
        y = this.act(this.bns[i]!.forward(y, training));
        if (i === 0) shortcutIn = y;
        y = this.convs[i]!.forward(y);
      }
    }
    const shortcut = this.downsample ? this.downsample.forward(shortcutIn, training) : x;
    const sum = y.add(shortcut);
    return this.post ? this.act(sum) : sum;
  }
  flops(): number {
    return this.#flops;
  }
}

/** RSN / BRSN (one block, names merged into the layer) and nRSN / nBRSN (blocks `0`…`n−1`). */
export class ResidualLayer extends Layer {
  readonly outShape: Shape;
  readonly blocks: ResidualBlock[] = [];
  constructor(token: LayerToken, a: { n?: number; filters: number; size: number; stride: number }, ctx: BuildContext, bottleneck: boolean, repeated: boolean) {
    super(token, ctx);
    const n = repeated ? a.n! : 1;
    const { filters, size, stride } = a;
    if (size % 2 === 0) throw ctx.fail(`size ${size} must be odd so the block keeps its shape`);
    if (bottleneck && filters % 4 !== 0) throw ctx.fail(`filters ${filters} must be a multiple of 4 (the bottleneck width is filters/4)`);
    const post = token.tags.includes('O');
    const folded = token.tags.includes('F');
    if (folded && !post) throw ctx.fail('.F (batch norm folded into the convolutions) needs the post-activation block .O');
    let s = ctx.inShape;
    if (Math.floor((s[1] - 1) / stride) + 1 < 1) throw ctx.fail('input too small');
    for (let i = 0; i < n; i++) {
      const block = new ResidualBlock(s, { filters, size, stride: i === 0 ? stride : 1, bottleneck, post, folded }, ctx.env);
      this.blocks.push(repeated ? this.child(String(i), block) : this.child('', block));
      s = block.outShape;
    }
    this.outShape = s;
  }
  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let y = x;
    for (const b of this.blocks) y = b.forward(y, ctx.training);
    return y;
  }
  override flops(): number {
    return this.blocks.reduce((acc, b) => acc + b.flops(), 0);
  }
}

const blockArgs = [
  { name: 'filters', type: 'int', min: 1 },
  { name: 'size', type: 'int', default: 3, min: 1 },
  { name: 'stride', type: 'int', default: 1, min: 1 },
] as const;
const blockTags = {
  O: 'original post-activation block (torchvision layout); default pre-activation',
  F: 'with .O: batch norms folded into the convolutions (inference; written by model-modify --fuse-bn)',
};
const count = { name: 'n', type: 'int', min: 1, about: 'number of blocks' } as const;

export const residualSpec = defineLayer({ type: 'RSN', about: 'residual basic block', aliases: ['residual'], args: [...blockArgs], tags: blockTags, example: 'RSN[8,3,2]',
  build: (t, a, ctx) => new ResidualLayer(t, a, ctx, false, false) });
export const residualStackSpec = defineLayer({ type: 'nRSN', about: 'n residual basic blocks (stride on the first)', args: [count, ...blockArgs], tags: blockTags, example: 'nRSN.O[2,8,3,2]',
  build: (t, a, ctx) => new ResidualLayer(t, a, ctx, false, true) });
export const bottleneckSpec = defineLayer({ type: 'BRSN', about: 'residual bottleneck block (filters = output channels, width filters/4)', aliases: ['bottleneck'], args: [...blockArgs], tags: blockTags, example: 'BRSN.O[16,3,2]',
  build: (t, a, ctx) => new ResidualLayer(t, a, ctx, true, false) });
export const bottleneckStackSpec = defineLayer({ type: 'nBRSN', about: 'n residual bottleneck blocks (stride on the first)', args: [count, ...blockArgs], tags: blockTags, example: 'nBRSN[2,16]',
  build: (t, a, ctx) => new ResidualLayer(t, a, ctx, true, true) });
