/**
 * Inference mode and autocast (src/torch/autograd.ts, autocast.ts). PyTorch's rules are the
 * reference: a tensor made under torch.inference_mode() cannot be saved for backward; autocast
 * runs convolutions in bf16 and leaves parameters and their gradients in fp32.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, autocast, autocastState, cuda, inferenceMode, isGradEnabled, isInferenceMode, manualSeed, randn, scope, setNumThreads } from '../../src/torch/index.js';
import { UserError } from '../../src/util/errors.js';

setNumThreads(1);

test('inferenceMode: on inside, off after; its tensors cannot enter autograd', () => {
  assert.equal(isInferenceMode(), false);
  const w = randn([3, 3]).requiresGrad_();
  const made = inferenceMode(() => {
    assert.equal(isInferenceMode(), true);
    assert.equal(isGradEnabled(), false);
    return w.mul(2);
  });
  assert.equal(isInferenceMode(), false);
  assert.equal(made.isInference, true);
  assert.equal(made.requiresGrad, false);
  assert.equal(w.mul(2).isInference, false);
  // PyTorch: "Inference tensors cannot be saved for backward."
  assert.throws(() => w.mul(made).sum().backward(), /[Ii]nference tensors? cannot be saved for backward/);
  made.dispose();
  w.dispose();
});

test('inferenceMode restores the mode when the callback throws, and passes the error through', () => {
  assert.throws(() => inferenceMode(() => { throw new UserError('boom'); }), (e: unknown) => e instanceof UserError && e.message === 'boom');
  assert.equal(isInferenceMode(), false);
  assert.equal(isGradEnabled(), true);
});

test('autocast bf16 on the CPU: convolutions in bf16 within bf16 tolerance of fp32, state restored', () => {
  manualSeed(1);
  scope(() => {
    const x = randn([2, 8, 12, 12]);
    const w = randn([16, 8, 3, 3]).mul(0.1).requiresGrad_();
    const ref = F.conv2d(x, w, null, { padding: 1 });
    const y = autocast('bf16', 'cpu', () => {
      assert.deepEqual(autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
      return F.conv2d(x, w, null, { padding: 1 });
    });
    assert.equal(autocastState('cpu').enabled, false);
    assert.equal(y.dtype, 'bfloat16');
    assert.equal(ref.dtype, 'float32');
    // bf16 keeps 8 significant bits: relative rounding 2^-8 per operand, summed over 72 products.
    const err = y.float().sub(ref).abs().max().item() / ref.abs().max().item();
    assert.ok(err < 2e-2 && err > 0, `bf16 relative error ${err}`);
    y.float().sum().backward();
    assert.equal(w.grad!.dtype, 'float32');
  });
});

test('autocast fp16 on the CPU is refused with one line; on CUDA it runs in fp16', (t) => {
  assert.throws(() => autocast('fp16', 'cpu', () => 0), /fp16 needs a CUDA device/);
  if (!cuda.isAvailable()) {
    t.skip('no CUDA device: fp16 autocast is tested where CUDA is present');
    return;
  }
  scope(() => {
    const x = randn([2, 8, 12, 12]).to('cuda:0');
    const w = randn([16, 8, 3, 3]).to('cuda:0');
    const y = autocast('fp16', 'cuda:0', () => F.conv2d(x, w, null, { padding: 1 }));
    assert.equal(y.dtype, 'float16');
  });
});
