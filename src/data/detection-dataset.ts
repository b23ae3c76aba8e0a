/** A detection dataset held as an array of records (what the COCO and VOC readers build). */
import type { Dataset, SampleRecord } from './types.js';

/**
 * Detection records plus class names; `categoryIds[i]` is the source id of class i (COCO);
 * `annotationFiles` are the COCO annotation JSON files the records came from (the evaluator uses
 * them as ground truth); `unlabelled`: the records have no annotations at all (COCO test-dev's
 * image_info files), so there is nothing to evaluate.
 */
export class DetectionDataset implements Dataset {
  readonly kind = 'detection' as const;
  constructor(
    readonly classNames: string[],
    private readonly records: SampleRecord[],
    readonly source: string,
    readonly categoryIds?: number[],
    readonly annotationFiles?: string[],
    readonly unlabelled = false,
  ) {
    records.forEach((r, i) => (r.index = i));
  }

  get length(): number {
    return this.records.length;
  }

  record(index: number): SampleRecord {
    return this.records[index]!;
  }

  /** The class index of a source category id (COCO), or undefined. */
  classOfCategory(categoryId: number): number | undefined {
    const i = this.categoryIds?.indexOf(categoryId) ?? -1;
    return i >= 0 ? i : undefined;
  }
}
