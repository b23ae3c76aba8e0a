/** Checks that the tensor-op corner search gives what the typed-array search gives; corner maps of a model. */
import assert from 'node:assert/strict';
import { CornerLayer, cornerSearch, cornerSearchTensor } from '../../src/detect/index.js';
import type { Model } from '../../src/model/index.js';
import { forwardContext } from '../../src/nn/layer.js';
import { noGrad, scope, tensor, type Tensor } from '../../src/torch/index.js';
import { assertClose } from './close.js';

/**
 * Runs both searches on a batch of corner logits [B, 4, H, W] and checks the boxes (bit for bit),
 * their order, the counts and the scores. Returns the number of boxes found in all.
 */
export function assertSameSearch(l: Float32Array, b: number, w: number, h: number, o: Parameters<typeof cornerSearch>[3], what: string): number {
  const t = cornerSearchTensor(tensor(l, { shape: [b, 4, h, w] }), o);
  const boxes = t.boxes.data() as Float32Array, scores = t.scores.data() as Float32Array;
  const found = Array.from(t.found.data() as BigInt64Array, Number);
  t.boxes.dispose(), t.scores.dispose(), t.found.dispose();
  let n = 0;
  for (let i = 0; i < b; i++) {
    const ref = cornerSearch(l.subarray(i * 4 * w * h, (i + 1) * 4 * w * h), w, h, o);
    assert.equal(found[i], ref.count, `${what} image ${i}: found`);
    assert.deepEqual(Array.from(boxes.subarray(i * o.count * 4, i * o.count * 4 + ref.count * 4)), Array.from(ref.boxes), `${what} image ${i}: boxes`);
    assertClose(Array.from(scores.subarray(i * o.count, i * o.count + ref.count)), Array.from(ref.scores), 0, 1e-6, `${what} image ${i}: scores`);
    n += ref.count;
  }
  return n;
}

/** The corner logits [B, 4, H, W] (float32, CPU) a detector computes for `images`. */
export function cornerLogits(model: Model, images: Tensor): Float32Array {
  return noGrad(() =>
    scope(() => {
      const ctx = forwardContext(images, { training: false });
      let x = model.prepareInput(images);
      for (const layer of model.layers) {
        x = layer.forward(x, ctx);
        if (layer instanceof CornerLayer) break;
      }
      return x.narrow(1, 0, 4).contiguous().to({ dtype: 'float32', device: 'cpu' }).data() as Float32Array;
    }),
  );
}
