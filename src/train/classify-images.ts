/**
 * `model-predict --predict-mode classify` on images without labels (a folder, an image file or a
 * list file): the top-5 classes of each image with their softmax probabilities, one line per image,
 * and `<results>.json`:
 *
 * `{ model, input, count, skipped, predictions: [{ image_id, file_name, top5: [{ class, index, probability }] }] }`
 */
import type { ImageFilesDataset } from '../data/image-files.js';
import type { Loader } from '../data/types.js';
import type { Model } from '../model/model.js';
import type { Precision } from '../torch/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { evalLoop } from '../data/eval-loop.js';

export interface TopK { class: string; index: number; probability: number }

export interface ImageClassification { image_id: number; file_name: string; top5: TopK[] }

export interface ClassifyImagesReport {
  model: string;
  input: string;
  count: number;
  skipped: number;
  predictions: ImageClassification[];
}

/**
 * Classifies every image of `loader`; `log` gets one line per image. Writes `<base>.json` and
 * returns the report.
 */
export async function classifyImages(model: Model, ds: ImageFilesDataset, loader: Loader, o: { device: string; precision?: Precision; base: string; modelPath: string; input: string; onBatch?: (done: number) => void; log: (line: string) => void }): Promise<ClassifyImagesReport> {
  const predictions: ImageClassification[] = [];
  const names = model.classNames;
  const { skipped } = await evalLoop(
    loader,
    o.device,
    (x) => {
      const { output } = model.forward(x, { training: false });
      const p = output.flatten(1).softmax(1);
      const k = Math.min(5, p.size(1));
      const top = p.topk(k, 1);
      return {
        losses: {},
        value: { k, idx: top.indices.to({ dtype: 'int32', device: 'cpu' }).data() as Int32Array, prob: top.values.to({ dtype: 'float32', device: 'cpu' }).data() as Float32Array },
      };
    },
    (v, batch) => batch.meta.forEach((meta, i) => {
      const top5 = Array.from({ length: v.k }, (_, j) => ({ class: names[v.idx[i * v.k + j]!]!, index: v.idx[i * v.k + j]!, probability: v.prob[i * v.k + j]! }));
      const p: ImageClassification = { image_id: meta.index + 1, file_name: ds.relative(meta.index), top5 };
      predictions.push(p);
      o.log(`image ${p.image_id}/${ds.length} ${p.file_name}: ${top5.map((t) => `${t.class} ${t.probability.toFixed(3)}`).join(', ')}`);
    }),
    o.onBatch,
    o.precision,
  );
  const report: ClassifyImagesReport = { model: o.modelPath, input: o.input, count: predictions.length, skipped, predictions };
  writeFileAtomic(`${o.base}.json`, JSON.stringify(report, null, 1) + '\n');
  return report;
}
