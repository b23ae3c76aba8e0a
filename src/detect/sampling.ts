/**
 * Per-RoI feature sampling (DETECTOR.md §1.4). Each RoI reads the sampling map at a g×g grid of
 * points spanning the box, x = x0 + i·(x1 − x0)/(g − 1), y = y0 + j·(y1 − y0)/(g − 1) (the box
 * centre when g = 1), and appends the box width and height: g²·F + 2 values per RoI. Tensor ops
 * only (gather or grid-sample), so it runs on the model's device and autograd reaches the map.
 *
 * A normalised coordinate x falls in cell ⌊x·W⌋ (clamped to the map); bilinear sampling treats
 * cell centres as the sample positions ((c + ½)/W), replicating the border outside them.
 */
import { F, arange, cat, stack, type Tensor } from '../torch/index.js';

export type SamplingMode = 'nearest' | 'bilinear';

/** Grid point positions along one axis for box edges a, b [B, R] → [B, R, g]. */
function axisPoints(a: Tensor, b: Tensor, g: number): Tensor {
  if (g === 1) return a.add(b).mul(0.5).unsqueeze(-1);
  const t = arange(0, g, 1, { dtype: a.dtype, device: a.device }).div(g - 1);
  return a.unsqueeze(-1).add(b.sub(a).unsqueeze(-1).mul(t));
}

/**
 * Samples `map` [B, F, H, W] at each RoI's g×g grid. rois: [B, R, 4] normalised boxes on the
 * map's device (constant). Returns [B, F, g(y), g(x), R]: the RoI index last, so the N×N layout
 * below is a free reshape (no transposing copy of the g²·F·R features).
 */
export function sampleGrid(map: Tensor, rois: Tensor, g: number, mode: SamplingMode): Tensor {
  const [b, f, h, w] = map.shape as [number, number, number, number];
  const r = rois.shape[1]!;
  const [x0, y0, x1, y1] = rois.unbind(-1);
  const px = axisPoints(x0!, x1!, g).permute([0, 2, 1]); // [B, g, R]
  const py = axisPoints(y0!, y1!, g).permute([0, 2, 1]);
  if (mode === 'nearest') {
    const cx = px.mul(w).floor().clamp(0, w - 1).long();
    const cy = py.mul(h).floor().clamp(0, h - 1).long();
    // index [B, g(y), g(x), R] = cy·W + cx, the same for every channel
    const idx = cy.unsqueeze(2).mul(w).add(cx.unsqueeze(1)).reshape([b, 1, g * g * r]).expand([b, f, g * g * r]);
    return map.reshape([b, f, h * w]).gather(2, idx).reshape([b, f, g, g, r]);
  }
  // grid_sample with alignCorners=false maps u ∈ [−1, 1] to pixel (u + 1)·W/2 − ½, i.e. u = 2x − 1.
  const gx = px.unsqueeze(1).expand([b, g, g, r]);
  const gy = py.unsqueeze(2).expand([b, g, g, r]);
  const grid = stack([gx, gy], -1).mul(2).sub(1).reshape([b, g * g, r, 2]);
  return F.gridSample(map, grid.to(map.dtype), { mode: 'bilinear', paddingMode: 'border', alignCorners: false }).reshape([b, f, g, g, r]);
}

/**
 * The RoI features laid out as an N×N image: map [B, F, H, W], rois [B, N², 4] →
 * [B, g²·F + 2, N, N]. Channel f·g² + j·g + i holds feature f at grid point (i, j) (i along x);
 * the last two channels are the box width and height. RoI k sits at row ⌊k/N⌋, column k mod N.
 */
export function sampleRoiFeatures(map: Tensor, rois: Tensor, g: number, n: number, mode: SamplingMode): Tensor {
  const [b, f] = map.shape as [number, number];
  const feats = sampleGrid(map, rois, g, mode).reshape([b, f * g * g, n, n]);
  const wh = rois.narrow(2, 2, 2).sub(rois.narrow(2, 0, 2)).to(map.dtype).permute([0, 2, 1]).reshape([b, 2, n, n]);
  return cat([feats, wh], 1);
}
