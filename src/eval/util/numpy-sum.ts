/**
 * NumPy's float64 summation, reproduced so that means match pycocotools to the last bit.
 *
 * `np.add.reduce` over a contiguous float64 array uses pairwise summation: runs shorter than 8 are
 * summed left to right, runs up to 128 use eight interleaved accumulators, longer runs are split
 * in two at a multiple of 8. The reduction starts from the identity 0.
 */
function pairwise(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = -0; // NumPy starts short runs from -0.0 so that sums of -0.0 stay -0.0.
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[lo], r1 = a[lo + 1], r2 = a[lo + 2], r3 = a[lo + 3];
    let r4 = a[lo + 4], r5 = a[lo + 5], r6 = a[lo + 6], r7 = a[lo + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r0 += a[lo + i]; r1 += a[lo + i + 1]; r2 += a[lo + i + 2]; r3 += a[lo + i + 3];
      r4 += a[lo + i + 4]; r5 += a[lo + i + 5]; r6 += a[lo + i + 6]; r7 += a[lo + i + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}

/** `np.sum(a)` for a float64 array, bit for bit. */
export function numpySum(a: ArrayLike<number>): number {
  return 0 + pairwise(a, 0, a.length);
}

/** `np.mean(a)` for a non-empty float64 array, bit for bit (`np.sum(a) / len(a)`). */
export function numpyMean(a: ArrayLike<number>): number {
  return numpySum(a) / a.length;
}
