/**
 * DeNet model descriptions (DETECTOR.md §1), for examples, the demo and benchmarks. Border mode
 * `half` (the default). The backbone is torchvision's ResNet without its pooling and classifier
 * (TORCHVISION_RESNETS), so ImageNet weights load by name (loadTorchvisionResnet).
 *
 *  - skip: two up-sampling stages (stride 8: 64×64 at 512×512), each `PI[2] C.B[w,3] SKIP[k] BN A`
 *    adding a 1×1 projection of the backbone map of the same size;
 *  - wide: a third stage (stride 4);
 *  - v1 head: `DNS[7,N,0.01,0.1,0,1] … DND[0.5,1,1]` (smooth-L1 deltas, plain class softmax);
 *  - v2 head: corner clustering m = 1, joint fitness and Bounded IoU: `DNS[7,N,0.01,0.1,1,1] …
 *    DND.JB[0.5,1,0.125]`.
 *
 * The per-RoI classifier is two 1×1 conv/BN/A layers: 1536, 1024 (DeNet-34 skip), 768, 512
 * (DeNet-34 wide), 2048, 1536 (DeNet-101 skip), 1024, 768 (DeNet-101 wide) — our reading of the
 * widths the papers list.
 */

export interface DenetVariant {
  depth: 34 | 101;
  /** Three up-sampling stages (stride 4) instead of two (stride 8). */
  wide: boolean;
  /** Paper 2 head (joint fitness, Bounded IoU, corner clustering) instead of paper 1's. */
  v2: boolean;
}

const BACKBONE = {
  34: ['C.B[64,7,2] BN A P[3,2,1]', '3RSN.O[64]', '4RSN.O[128,3,2]', '6RSN.O[256,3,2]', '3RSN.O[512,3,2]'],
  101: ['C.B[64,7,2] BN A P[3,2,1]', '3BRSN.O[256]', '4BRSN.O[512,3,2]', '23BRSN.O[1024,3,2]', '3BRSN.O[2048,3,2]'],
} as const;

const SETTINGS = {
  34: { skip: { widths: [256, 128], features: 96, cornerWeight: 100, n: 24, classifier: [1536, 1024] }, wide: { widths: [256, 128, 64], features: 48, cornerWeight: 400, n: 48, classifier: [768, 512] } },
  101: { skip: { widths: [384, 192], features: 128, cornerWeight: 50, n: 24, classifier: [2048, 1536] }, wide: { widths: [1024, 512, 256], features: 128, cornerWeight: 200, n: 48, classifier: [1024, 768] } },
} as const;

/** The description of a DeNet variant for 512×512 input (any size divisible by 32 works). */
export function denetDescription(v: DenetVariant): string {
  const s = SETTINGS[v.depth][v.wide ? 'wide' : 'skip'];
  const [stem, l1, l2, l3, l4] = BACKBONE[v.depth];
  // SKIPSRC[k] marks the backbone map at stride 32/2^k; stage k (1-based) up-samples to it.
  const backbone = [stem, l1, ...(v.wide ? ['SKIPSRC[3]'] : []), l2, 'SKIPSRC[2]', l3, 'SKIPSRC[1]', l4];
  const up = s.widths.map((w, k) => `PI[2] C.B[${w},3] SKIP[${k + 1}] BN A`);
  const m = v.v2 ? 1 : 0;
  const head = [
    `DNC[${s.features},${s.cornerWeight}]`,
    `DNS[7,${s.n},0.01,0.1,${m},1]`,
    ...s.classifier.map((c) => `C.B[${c}] BN A`),
    v.v2 ? 'DND.JB[0.5,1,0.125]' : 'DND[0.5,1,1]',
  ];
  return [...backbone, ...up, ...head].join(' ');
}

/** DeNet-34 skip (paper 1; 82 Hz, 29.5 COCO AP on a Titan X). */
export const DENET34_SKIP = denetDescription({ depth: 34, wide: false, v2: false });
/** DeNet-34 wide (paper 1). */
export const DENET34_WIDE = denetDescription({ depth: 34, wide: true, v2: false });
/** DeNet-101 skip (paper 1). */
export const DENET101_SKIP = denetDescription({ depth: 101, wide: false, v2: false });
/** DeNet-101 wide (paper 1). */
export const DENET101_WIDE = denetDescription({ depth: 101, wide: true, v2: false });
/** DeNet-34 skip with the paper-2 head. */
export const DENET34_SKIP_V2 = denetDescription({ depth: 34, wide: false, v2: true });
/** DeNet-34 wide v2 (paper 2: 33.4 COCO AP at 80 Hz). */
export const DENET34_WIDE_V2 = denetDescription({ depth: 34, wide: true, v2: true });
/** DeNet-101 wide v2 (paper 2: 36.8 COCO AP at 21 Hz). */
export const DENET101_WIDE_V2 = denetDescription({ depth: 101, wide: true, v2: true });

/**
 * A small DeNet for CPU demos and tests (the network of `denet demo`, which trains it at
 * 3×192×192): a stride-16 backbone (two 3×3 convolutions of 24 and 48 channels, then
 * post-activation residual blocks of 96 and 2×128 channels), two skip up-sampling stages back to
 * stride 4 (a 48×48 corner map at 192²), 32 sampling features on a 5×5 grid read bilinearly
 * (`DNS.L`), 12² = 144 RoIs, a 384-256 RoI classifier and the v2 head (corner clustering, joint
 * fitness, Bounded IoU). docs/experiments.md has the measurements behind each choice.
 */
export const DENET_CPU_SMALL_BACKBONE = 'C.B[24,3,2] BN A C.B[48,3,2] BN A SKIPSRC[2] RSN.O[96,3,2] SKIPSRC[1] RSN.O[128,3,2] RSN.O[128]';
/** DENET_CPU_SMALL after its backbone: the up-sampling neck and the DeNet layers. */
export const DENET_CPU_SMALL_HEAD =
  'PI[2] C.B[96,3] SKIP[1] BN A PI[2] C.B[48,3] SKIP[2] BN A ' +
  'DNC[32,100] DNS.L[5,12,0.01,0.1,1,1] C.B[384] BN A C.B[256] BN A DND.JB[0.5,1,0.125]';
export const DENET_CPU_SMALL = `${DENET_CPU_SMALL_BACKBONE} ${DENET_CPU_SMALL_HEAD}`;
/** DENET_CPU_SMALL's backbone as a classifier (`R`), for pretraining: its layers keep their indices in the detector. */
export const DENET_CPU_SMALL_CLASSIFIER = `${DENET_CPU_SMALL_BACKBONE} R`;
