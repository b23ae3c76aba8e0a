/**
 * Classification metrics: top-1 / top-5 error, per-class error and the confusion matrix. One
 * implementation, shared by the trainer (per test epoch) and `model-predict --predict-mode classify`.
 */

/** Scores (logits or probabilities), row-major N×C: row i holds sample i's score for each class. */
export interface ScoreInput { scores: Float32Array | Float64Array; labels: ArrayLike<number>; numClasses: number }
/** Ranked predictions, row-major N×k: row i holds sample i's k best classes, best first. */
export interface TopKInput { topk: Int32Array | Uint32Array | ArrayLike<number>; k: number; labels: ArrayLike<number>; numClasses: number }

export interface ClassificationMetrics {
  /** Samples N. */
  count: number;
  numClasses: number;
  /** Fraction of samples whose best class is not the label. */
  top1Error: number;
  /**
   * Fraction whose label is not among the best min(5, C) classes; null when only k < min(5, C)
   * predictions per sample were given.
   */
  top5Error: number | null;
  /** Per class c: fraction of samples labelled c that were misclassified (top-1); NaN when no sample has label c. */
  perClassError: Float64Array;
  /** Per class: number of samples with that label. */
  perClassCount: Uint32Array;
  /** C×C row-major counts, `confusion[label * C + predicted]`. */
  confusion: Uint32Array;
}

function checkLabel(label: number, i: number, C: number): void {
  if (!Number.isInteger(label) || label < 0 || label >= C) throw new RangeError(`label ${label} of sample ${i} is not a class index in [0, ${C})`);
}

/**
 * Computes top-1/top-5 error, per-class error and the confusion matrix.
 *
 * From scores, classes are ranked by score, highest first; equal scores rank the lower class index
 * first (deterministic). A NaN score is a `RangeError` naming the sample, since it has no rank.
 * Labels must be integers in [0, C). With N = 0 the errors are NaN.
 */
export function classificationMetrics(input: ScoreInput | TopKInput): ClassificationMetrics {
  const { labels, numClasses: C } = input;
  const N = labels.length;
  if (!Number.isInteger(C) || C < 1) throw new RangeError(`numClasses must be a positive integer but received ${C}`);
  const top5k = Math.min(5, C);
  const confusion = new Uint32Array(C * C);
  const perClassCount = new Uint32Array(C);
  const perClassWrong = new Uint32Array(C);
  let wrong1 = 0, wrong5 = 0;
  let top5Available = true;

  if ('scores' in input) {
    const s = input.scores;
    if (s.length !== N * C) throw new RangeError(`scores has ${s.length} values but ${N} samples × ${C} classes need ${N * C}`);
    for (let i = 0; i < N; i++) {
      const label = labels[i];
      checkLabel(label, i, C);
      const row = i * C;
      const ls = s[row + label];
      // Rank of the label = classes that beat it (higher score, or equal score and lower index).
      let beaten = 0, best = 0;
      for (let c = 0; c < C; c++) {
        const v = s[row + c];
        if (Number.isNaN(v)) throw new RangeError(`score of class ${c} for sample ${i} is NaN`);
        if (v > ls || (v === ls && c < label)) beaten++;
        if (v > s[row + best]) best = c;
      }
      confusion[label * C + best]++;
      perClassCount[label]++;
      if (best !== label) { wrong1++; perClassWrong[label]++; }
      if (beaten >= top5k) wrong5++;
    }
  } else {
    const { topk, k } = input;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer but received ${k}`);
    if (topk.length !== N * k) throw new RangeError(`topk has ${topk.length} values but ${N} samples × k=${k} need ${N * k}`);
    top5Available = k >= top5k;
    const use = Math.min(k, top5k);
    for (let i = 0; i < N; i++) {
      const label = labels[i];
      checkLabel(label, i, C);
      const pred = topk[i * k];
      checkLabel(pred, i, C);
      confusion[label * C + pred]++;
      perClassCount[label]++;
      if (pred !== label) { wrong1++; perClassWrong[label]++; }
      let hit = false;
      for (let j = 0; j < use; j++) if (topk[i * k + j] === label) hit = true;
      if (!hit) wrong5++;
    }
  }
  const perClassError = new Float64Array(C);
  for (let c = 0; c < C; c++) perClassError[c] = perClassCount[c] ? perClassWrong[c] / perClassCount[c] : NaN;
  return {
    count: N, numClasses: C, top1Error: wrong1 / N, top5Error: top5Available ? wrong5 / N : null,
    perClassError, perClassCount, confusion,
  };
}
