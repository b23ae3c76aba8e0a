/** Gradient mode and explicit gradients. */
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Runs `fn` with gradient recording set to `enabled`, restoring the previous mode after. */
function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const was: boolean = native.isGradEnabled();
  native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(was);
  }
}

/** Runs `fn` with gradient recording off (like `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on (inside a noGrad region, for example). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/**
 * Runs `fn` (synchronous) under libtorch's inference mode (`with torch.inference_mode()`): no
 * gradient recording and, beyond `noGrad`, no version counters or view tracking on the tensors it
 * creates, which saves a little work per op. Tensors created inside are inference tensors: they can
 * never take part in autograd later (PyTorch's rule), so use it for pure inference only.
 */
export function inferenceMode<T>(fn: () => T): T {
  return native.inferenceMode(fn) as T;
}

/** Whether the current code runs inside inferenceMode(). */
export function isInferenceMode(): boolean {
  return native.isInferenceMode();
}

/**
 * Gradients of `outputs` with respect to `inputs` (torch.autograd.grad), without touching `.grad`.
 * `gradOutputs` weights each output (needed for non-scalar outputs). Unused inputs give undefined
 * when `allowUnused` is set.
 */
export function grad(
  outputs: Tensor[],
  inputs: Tensor[],
  o: { gradOutputs?: (Tensor | null)[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | undefined)[] {
  const res = native.autogradGrad(
    outputs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    o.gradOutputs ? o.gradOutputs.map((g) => g?.handle ?? null) : null,
    o.retainGraph ?? !!o.createGraph,
    !!o.createGraph,
    !!o.allowUnused,
  );
  return (res as unknown[]).map((g) => (g === undefined ? undefined : Tensor.wrap(g as never)));
}
