/**
 * Folding a batch norm into the convolution before it, for inference: BN(conv(x)) computed by one
 * convolution. Pure arithmetic on typed arrays (no libtorch), so the ONNX exporter and the
 * libtorch fused-BN copy of a model share one formula.
 *
 * With s = γ / √(σ² + ε) per output channel o:
 *   W'[o, …] = W[o, …] · s[o]          b'[o] = (b[o] − μ[o]) · s[o] + β[o]      (b = 0 without bias)
 * This is what torch.nn.utils.fusion.fuse_conv_bn_weights computes.
 */

/** The batch-norm statistics and affine parameters, one value per channel. */
export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  eps: number;
}

export interface FoldedConv {
  /** Same shape and layout as the input weight. */
  weight: Float32Array;
  /** One value per output channel. */
  bias: Float32Array;
}

/**
 * Folds `bn` into a convolution weight of shape `weightShape`: [cout, cin, kh, kw] for a
 * convolution, [cin, cout, kh, kw] for a transposed convolution (`transposed`: the output
 * channel is then the second axis, as in PyTorch's ConvTranspose2d). `bias` may be absent (a
 * `.B` convolution). Inputs are not modified. Scales are computed in float64 and rounded once.
 */
export function foldBatchNorm(
  weight: Float32Array,
  weightShape: readonly number[],
  bias: Float32Array | undefined,
  bn: BatchNormParams,
  transposed = false,
): FoldedConv {
  const [d0, d1] = weightShape as [number, number];
  const inner = weightShape.slice(2).reduce((a, b) => a * b, 1);
  const cout = transposed ? d1 : d0;
  if (d0 * d1 * inner !== weight.length) throw new Error(`foldBatchNorm: weight has ${weight.length} values, shape [${weightShape.join(', ')}] needs ${d0 * d1 * inner}`);
  for (const [name, v] of [['gamma', bn.gamma], ['beta', bn.beta], ['mean', bn.mean], ['variance', bn.variance]] as const) {
    if (v.length !== cout) throw new Error(`foldBatchNorm: ${name} has ${v.length} values for ${cout} output channels`);
  }
  if (bias && bias.length !== cout) throw new Error(`foldBatchNorm: bias has ${bias.length} values for ${cout} output channels`);

  const scale = new Float64Array(cout);
  const outBias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    scale[o] = bn.gamma[o]! / Math.sqrt(bn.variance[o]! + bn.eps);
    outBias[o] = ((bias ? bias[o]! : 0) - bn.mean[o]!) * scale[o]! + bn.beta[o]!;
  }
  const out = new Float32Array(weight.length);
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      const s = scale[transposed ? j : i]!;
      const base = (i * d1 + j) * inner;
      for (let k = 0; k < inner; k++) out[base + k] = weight[base + k]! * s;
    }
  }
  return { weight: out, bias: outBias };
}
