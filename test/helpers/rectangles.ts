/** An in-memory detection set for short training runs: coloured rectangles on noise, 2 classes. */
import { Rng } from '../../src/util/rng.js';
import type { Dataset, ImageArray, SampleRecord } from '../../src/data/types.js';

/** Image side in pixels. */
export const RECT_SIZE = 64;
const S = RECT_SIZE;

/** n images with 1–3 filled rectangles (class 0 reddish, class 1 greenish) on noise. */
export function rectangles(n: number, seed: number): Dataset {
  const records: SampleRecord[] = [];
  const pixels: ImageArray[] = [];
  for (let i = 0; i < n; i++) {
    const rng = new Rng(seed, i);
    const data = new Float32Array(3 * S * S);
    for (let j = 0; j < data.length; j++) data[j] = rng.uniform(0, 0.4);
    const objects: SampleRecord['objects'] = [];
    const k = 1 + rng.int(3);
    for (let o = 0; o < k; o++) {
      const w = 12 + rng.int(28), h = 12 + rng.int(28);
      const x0 = rng.int(S - w), y0 = rng.int(S - h);
      const cls = rng.int(2);
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) {
        data[(cls === 0 ? 0 : 1) * S * S + y * S + x] = 0.9;
        data[(cls === 0 ? 1 : 0) * S * S + y * S + x] = 0.1;
      }
      objects.push({ box: [x0, y0, x0 + w, y0 + h], cls, ignore: false, difficult: false });
    }
    // Later rectangles cover earlier ones: keep only objects that stay mostly visible.
    records.push({ index: i, id: i, file: '', objects: objects.filter((ob, j) => !objects.slice(j + 1).some((q) => q.box[0] <= ob.box[0] && q.box[1] <= ob.box[1] && q.box[2] >= ob.box[2] && q.box[3] >= ob.box[3])), width: S, height: S });
    pixels.push({ data, channels: 3, height: S, width: S });
  }
  return { kind: 'detection', classNames: ['red', 'green'], length: n, source: `rectangles(${seed})`, categoryIds: [7, 9], record: (i) => records[i]!, pixels: (i) => pixels[i]! };
}

