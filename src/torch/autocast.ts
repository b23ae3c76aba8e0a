/**
 * Mixed precision: libtorch's autocast (`with torch.autocast(device_type, dtype)`). Inside, ops on
 * autocast's lower-precision list (convolutions, matrix products) run in bf16 or fp16 and the ops on
 * its fp32 list (softmax, losses, reductions) in fp32; parameters stay fp32 and gradients reach them
 * in fp32. CPU: bf16 (oneDNN runs bf16 convolutions natively on CPUs with AVX512-BF16 or AMX).
 * CUDA: fp16 (train with a GradScaler, src/train/grad-scaler.ts) or bf16.
 */
import { UserError } from '../util/errors.js';
import { DTYPE_CODE, dtypeFromCode, type DType } from './dtype.js';
import { native } from './native.js';
import type { Tensor } from './tensor.js';

export const PRECISIONS = ['fp32', 'bf16', 'fp16'] as const;
export type Precision = (typeof PRECISIONS)[number];

const DTYPE: Record<Exclude<Precision, 'fp32'>, DType> = { bf16: 'bfloat16', fp16: 'float16' };

function deviceType(device: string): 'cpu' | 'cuda' {
  if (device === 'cpu') return 'cpu';
  if (device === 'cuda' || device.startsWith('cuda:')) return 'cuda';
  throw new UserError(`autocast: unknown device "${device}" (expected cpu or cuda:N)`);
}

/** Throws a UserError unless `precision` is one of PRECISIONS and runs on `device`. */
export function checkPrecision(precision: string, device: string): Precision {
  if (!(PRECISIONS as readonly string[]).includes(precision)) throw new UserError(`unknown precision "${precision}": expected one of ${PRECISIONS.join(', ')}`);
  if (precision === 'fp16' && deviceType(device) === 'cpu') throw new UserError('--precision fp16 needs a CUDA device (libtorch autocasts to fp16 on CUDA only); use bf16 on the CPU');
  return precision as Precision;
}

/** Whether autocast is on for a device type, and its lower-precision dtype. */
export function autocastState(device: string): { enabled: boolean; dtype: DType } {
  const s = native.autocastState(deviceType(device)) as { enabled: boolean; dtype: number };
  return { enabled: s.enabled, dtype: dtypeFromCode(s.dtype) };
}

/**
 * Runs `fn` (synchronous) with autocast at `precision` for `device`'s type; 'fp32' runs it
 * unchanged. Nested calls restore the outer state on return.
 */
export function autocast<T>(precision: Precision, device: string, fn: () => T): T {
  if (precision === 'fp32') return fn();
  checkPrecision(precision, device);
  const type = deviceType(device);
  const before = native.autocastState(type) as { enabled: boolean; dtype: number };
  native.autocastEnter(type, true, DTYPE_CODE[DTYPE[precision]]);
  try {
    return fn();
  } finally {
    native.autocastExit(type, before.enabled, before.dtype);
  }
}

/**
 * `t` as float32 when autocast made it bf16 or fp16, else `t` itself: losses are computed from
 * full-precision logits (torch.autocast leaves loss precision to the caller on the CPU).
 */
export function fullPrecision(t: Tensor): Tensor {
  return t.dtype === 'bfloat16' || t.dtype === 'float16' ? t.float() : t;
}
