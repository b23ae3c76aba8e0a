/**
 * `denet demo`: the README's main job. For now: the engine facts (`denet info`) and a short
 * training run of a small CNN on generated images, printing the falling loss and the held-out
 * accuracy. (The detection issue replaces this with the DeNet detector demo.)
 */
import { Command } from 'commander';
import { Model } from '../model/index.js';
import { manualSeed, noGrad, randn, scope, tensor, type Tensor } from '../torch/index.js';
import { createSolver } from '../train/solvers/index.js';
import { main as info } from './info.js';

/** Images whose class is the quadrant holding a bright square, on noise; labels int64. */
function generated(n: number, seed: number): { x: Tensor; y: Tensor } {
  manualSeed(seed);
  return scope(() => {
    const x = randn([n, 3, 16, 16]).mul(0.3);
    const labels = new BigInt64Array(n);
    const data = x.toFloat32Array();
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      const q = Math.floor(rnd() * 4);
      labels[i] = BigInt(q);
      const oy = (q >> 1) * 8 + Math.floor(rnd() * 3);
      const ox = (q & 1) * 8 + Math.floor(rnd() * 3);
      for (let c = 0; c < 3; c++) for (let yy = oy; yy < oy + 5; yy++) for (let xx = ox; xx < ox + 5; xx++) data[((i * 3 + c) * 16 + yy) * 16 + xx] += 1;
    }
    return { x: tensor(data, { shape: [n, 3, 16, 16] }), y: tensor(labels) };
  });
}

export async function main(argv: string[]): Promise<number> {
  const cmd = new Command('denet demo').description('engine facts and a short training run on generated data').option('--epochs <n>', 'epochs', '8').option('--verbose');
  cmd.parse(argv, { from: 'user' });
  const epochs = Number(cmd.opts().epochs);
  await info([]);
  const desc = 'C[16,3] BN A P[2] C[32,3] BN A P[2] C[64,3] BN A R';
  console.log(`\nDemo: ${desc} on 512 generated 16x16 images (class = quadrant of a bright square)`);
  const model = Model.create(desc, { inputShape: [3, 16, 16], classNames: ['top-left', 'top-right', 'bottom-left', 'bottom-right'], borderMode: 'half', seed: 1 });
  const train = generated(512, 1);
  const test = generated(256, 2);
  const solver = createSolver('sgd', model.namedParameters(), { weightDecay: 1e-4, momentum: [0.9] });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let total = 0;
    for (let b = 0; b < 512; b += 32) {
      total += scope(() => {
        const { losses } = model.forward(train.x.narrow(0, b, 32), { training: true, labels: train.y.narrow(0, b, 32) });
        const loss = losses.class!;
        for (const p of model.namedParameters()) p.tensor.zeroGrad();
        loss.backward();
        solver.step(0.05);
        return loss.item();
      });
    }
    const acc = scope(() => noGrad(() => model.forward(test.x, { training: false }).output.argmax(1).eq(test.y).float().mean().item()));
    console.log(`epoch ${epoch}  loss ${(total / 16).toFixed(4)}  test accuracy ${(100 * acc).toFixed(1)}%`);
  }
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  model.dispose();
  return 0;
}
