/**
 * DND[match_iou=0.5, class_weight=1, box_weight=1, fitness_weight=0.1, box_beta=1]: the DeNet
 * detection head (DETECTOR.md §1.6, §3–5). A 1×1 convolution over the N×N RoI image to the class
 * logits (layout in head-layout.ts) and 4 box deltas per RoI. Output: [B, channels, N, N] = the
 * convolution's channels followed by the 4 RoI coordinates, so the output alone decodes into
 * detections (detect.ts).
 *
 * Tags: `.J` joint fitness (softmax over |C|·F + 1), `.I` independent fitness (extra softmax over
 * F + 1, loss `fitness` × fitness_weight), `.B` Bounded IoU box loss (smooth-L1 transition
 * box_beta), `.E` with `.B`: the exact 1-D IoU position bound. Without `.B` the box loss is v1
 * smooth-L1 on R-CNN deltas.
 *
 * With detection targets it adds the losses `class` (× class_weight) and `box` (× box_weight),
 * and `fitness` for `.I`; targets are assigned per RoI by targets.ts. The class count is the
 * model's (its class names); a target class outside it is a UserError naming the token.
 */
import { cat, fullPrecision, tensor, type Tensor } from '../torch/index.js';
import { Layer, defineLayer, type BuildContext, type ForwardContext, type LayerToken, type Shape } from '../nn/layer.js';
import { Conv2d } from '../nn/primitives.js';
import { headLayout, type HeadLayout } from '../runtime/head-layout.js';
import { boundedIouBoxLoss, deltaBoxLoss, softCrossEntropy, weightedCrossEntropy } from './losses.js';
import { SparseLayer } from './sparse-layer.js';
import { detectionTargets, detectorState } from './state.js';
import { assignTargets } from './targets.js';

export interface HeadArgs {
  match_iou: number;
  class_weight: number;
  box_weight: number;
  fitness_weight: number;
  box_beta: number;
}

export class HeadLayer extends Layer {
  readonly outShape: Shape;
  readonly conv: Conv2d;
  readonly layout: HeadLayout;
  readonly args: HeadArgs;
  readonly boundedIou: boolean;
  readonly exactBound: boolean;
  /** The DNS layer whose RoIs this head classifies. */
  readonly sparse: SparseLayer;

  constructor(token: LayerToken, a: HeadArgs, ctx: BuildContext) {
    super(token, ctx);
    const dns = [...(ctx.layers ?? [])].reverse().find((l) => l instanceof SparseLayer) as SparseLayer | undefined;
    if (!dns) throw ctx.fail('DND needs a DNS (sparse sampling) layer before it');
    const [c, h, w] = ctx.inShape;
    if (h !== dns.n || w !== dns.n) throw ctx.fail(`DND needs the ${dns.n}×${dns.n} RoI image of DNS but its input is ${h}×${w}; use only 1×1 layers between DNS and DND`);
    const n = ctx.env.numClasses;
    if (!(n >= 1)) throw ctx.fail('the model has no classes (give class names or --classes)');
    const tags = token.tags;
    if (tags.includes('J') && tags.includes('I')) throw ctx.fail('.J (joint fitness) and .I (independent fitness) exclude each other');
    if (tags.includes('E') && !tags.includes('B')) throw ctx.fail('.E (exact IoU bound) needs .B (Bounded IoU loss)');
    if (!(a.match_iou > 0)) throw ctx.fail(`match_iou must be above 0, got ${a.match_iou}`);
    this.layout = headLayout(n, tags.includes('J') ? 'joint' : tags.includes('I') ? 'independent' : 'none');
    this.args = { ...a };
    this.boundedIou = tags.includes('B');
    this.exactBound = tags.includes('E');
    this.sparse = dns;
    this.conv = this.child('', new Conv2d({ cin: c, cout: this.layout.convChannels, k: 1, stride: 1, pad: 0, bias: true }, ctx.env));
    this.outShape = [this.layout.channels, h, w];
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const y = this.conv.forward(x);
    const [b, , n] = y.shape as [number, number, number];
    const state = detectorState(ctx);
    if (!state.roiTensor) throw new Error(`DND (token ${this.index}): no RoIs in this forward pass (the DNS layer did not run)`);
    const targets = detectionTargets(ctx, b, `DND (token ${this.index})`);
    const rois = state.roiTensor; // [B, R, 4]
    // DNS provides the RoIs on the host whenever there are targets (they are matched there).
    if (targets) this.addLosses(fullPrecision(y), rois, state.rois!, targets, ctx);
    return cat([y, rois.permute([0, 2, 1]).reshape([b, 4, n, n]).to(y.dtype)], 1);
  }

  /** Per RoI [B, R, k] view of `count` channels of y [B, C, N, N] starting at `from`. */
  private perRoi(y: Tensor, from: number, count: number): Tensor {
    return y.narrow(1, from, count).flatten(2).permute([0, 2, 1]);
  }

  private addLosses(y: Tensor, rois: Tensor, roiArrays: Float32Array[], targets: Parameters<typeof assignTargets>[1][], ctx: ForwardContext): void {
    const L = this.layout;
    const b = roiArrays.length;
    const r = roiArrays[0]!.length / 4;
    const per = roiArrays.map((rs, i) => assignTargets(rs, targets[i]!, L, this.args.match_iou, `DND (token ${this.index})`));
    const join = <K extends keyof (typeof per)[0]>(key: K) => {
      const parts = per.map((p) => p[key] as unknown as Float32Array | Int32Array);
      const out = new (parts[0]!.constructor as Float32ArrayConstructor)(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) out.set(p as Float32Array, o), (o += p.length);
      return out;
    };
    const dev = { device: y.device };
    const weight = tensor(join('weight'), { shape: [b, r], ...dev }).to(y.dtype);
    const classTarget = tensor(join('classTarget'), { shape: [b, r, L.classChannels], ...dev }).to(y.dtype);
    ctx.addLoss('class', softCrossEntropy(this.perRoi(y, 0, L.classChannels), classTarget, weight).mul(this.args.class_weight));
    if (L.fitness === 'independent') {
      const fit = tensor(join('fitnessTarget'), { shape: [b, r], ...dev }).long();
      ctx.addLoss('fitness', weightedCrossEntropy(this.perRoi(y, L.classChannels, L.fitnessChannels), fit, weight).mul(this.args.fitness_weight));
    }
    const boxTarget = tensor(join('boxTarget'), { shape: [b, r, 4], ...dev }).to(y.dtype);
    const mask = tensor(join('boxMask'), { shape: [b, r], ...dev }).to(y.dtype);
    const deltas = this.perRoi(y, L.boxOffset, 4);
    const roisT = rois.to(y.dtype);
    const box = this.boundedIou
      ? boundedIouBoxLoss(deltas, roisT, boxTarget, mask, { beta: this.args.box_beta, exact: this.exactBound })
      : deltaBoxLoss(deltas, roisT, boxTarget, mask);
    ctx.addLoss('box', box.mul(this.args.box_weight));
  }

  override flops(): number {
    return this.conv.flops(this.inShape);
  }
}

export const headSpec = defineLayer({
  type: 'DND',
  about: 'DeNet detection head: class (or class×fitness) logits and box deltas per RoI; class/box/fitness losses',
  aliases: ['denet-detect'],
  args: [
    { name: 'match_iou', type: 'number', default: 0.5, min: 0, max: 1, about: 'Ω, a RoI matches ground truth with IoU ≥ Ω' },
    { name: 'class_weight', type: 'number', default: 1, min: 0, about: 'λs, weight of the class loss' },
    { name: 'box_weight', type: 'number', default: 1, min: 0, about: 'λb, weight of the box loss (0.125 with .B in the papers)' },
    { name: 'fitness_weight', type: 'number', default: 0.1, min: 0, about: 'λf, weight of the independent fitness loss (.I)' },
    { name: 'box_beta', type: 'number', default: 1, min: 0, about: 'τ, smooth-L1 transition of the Bounded IoU cost (.B); 1 gives (1 − IoU_B)²' },
  ],
  tags: { J: 'joint fitness (softmax over classes × 5 IoU buckets + null)', I: 'independent fitness (extra softmax over 5 buckets + none)', B: 'Bounded IoU box loss', E: 'exact 1-D IoU position bound (with .B)' },
  example: 'DND.JB[0.5,1,0.125]',
  examplePrefix: 'DNC[4,1] DNS[2,3]',
  build: (t, a, ctx) => new HeadLayer(t, a, ctx),
});
