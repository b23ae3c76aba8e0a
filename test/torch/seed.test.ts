import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { F, scope } from '../../src/torch/index.js';

test('manualSeed makes randn, rand, randint and dropout repeat exactly', () => {
  scope(() => {
    const draw = () => {
      torch.manualSeed(42);
      return [torch.randn([5]).toArray(), torch.rand([3]).toArray(), torch.randint(0, 100, [4]).toArray(), F.dropout(torch.ones([12]), 0.5, true).toArray()];
    };
    const a = draw();
    const b = draw();
    assert.deepEqual(a, b);
    torch.manualSeed(43);
    assert.notDeepEqual(torch.randn([5]).toArray(), a[0]);
    // dropout is the identity in eval mode and scales kept units by 1/(1-p) in training
    assert.deepEqual(F.dropout(torch.ones([4]), 0.5, false).toArray(), [1, 1, 1, 1]);
    assert.ok((a[3] as number[]).every((v) => v === 0 || v === 2));
  });
});

test('the generator state can be saved and restored', () => {
  scope(() => {
    torch.manualSeed(7);
    torch.randn([3]);
    const state = torch.getRngState();
    const a = torch.randn([4]).toArray();
    torch.randn([10]);
    torch.setRngState(state);
    assert.deepEqual(torch.randn([4]).toArray(), a);
  });
});
