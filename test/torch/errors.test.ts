// libtorch errors become JS errors with libtorch's message, and the process keeps working.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { F, scope, tensor } from '../../src/torch/index.js';

test('a shape error throws a JS Error and the next op still works', () => {
  scope(() => {
    const a = torch.ones([2, 3]);
    assert.throws(() => a.matmul(torch.ones([2, 3])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    assert.throws(() => F.conv2d(torch.ones([1, 3, 4, 4]), torch.ones([2, 5, 3, 3])), /expected input\[1, 3, 4, 4\] to have 5 channels/);
    assert.throws(() => a.view(4, 2), /shape '\[4, 2\]' is invalid for input of size 6/);
    assert.throws(() => torch.crossEntropy(torch.ones([2, 3]), tensor([0, 5], { dtype: 'int64' })), /out of bounds|Target 5/);
    assert.deepEqual(a.add(1).sum().item(), 12);
  });
});

test('argument mistakes TypeScript cannot catch give clear messages', () => {
  assert.throws(() => torch.zeros([2, -1]), /Expected non-negative integers for zeros shape but received "2,-1"/);
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /3 values do not fill shape \[2,2\]/);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array/);
  assert.throws(() => torch.ones([2]).select(0, 5), /out of range|index 5/);
  assert.throws(() => torch.ones([1]).size(3), /dimension 3 out of range/);
  assert.throws(() => torch.setNumThreads(0), /Expected a positive integer for threads/);
});

test('a disposed tensor refuses use instead of crashing', () => {
  const t = torch.ones([3]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.throws(() => t.add(1), /tensor was already disposed/);
});
