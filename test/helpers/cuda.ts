/**
 * The CUDA test subset (`npm test -- cuda`, test/cuda/): each test compares a run on the GPU with
 * the same run on the CPU. Where CUDA is absent the tests are skipped with a message.
 * DENET_CUDA_TESTS_DEVICE=cpu runs their code with the CPU in the GPU's place (a dry run of the
 * subset's code on a machine without a GPU; it compares the CPU with itself, so it proves the test
 * code runs, not the CUDA path).
 */
import { cuda } from '../../src/torch/index.js';

const dry = process.env.DENET_CUDA_TESTS_DEVICE === 'cpu';

/** The device the subset runs on. */
export const DEVICE = dry ? 'cpu' : 'cuda:0';

/** `skip` option for CUDA tests: false where they can run, else the reason. */
export const NO_CUDA: string | false =
  dry || cuda.isAvailable() ? false : 'CUDA is not available here (no GPU, or a libtorch without CUDA): run on a GPU machine, see docs/gpu.md';

/** Runs fn with TF32 off, so float32 results on the GPU compare with the CPU's at 1e-5. */
export function withoutTF32<T>(fn: () => T): T {
  if (dry) return fn();
  const was = cuda.allowTF32();
  cuda.setAllowTF32({ matmul: false, cudnn: false });
  try {
    return fn();
  } finally {
    cuda.setAllowTF32(was);
  }
}

/** ‖a − b‖ / ‖b‖ for two equal-length arrays (0 when both are zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}
