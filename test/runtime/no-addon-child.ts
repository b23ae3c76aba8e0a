// Runs in a process where src/torch cannot be imported (block-addon.mjs): loads the exported
// models given on the command line with denet/runtime and prints what they give.
import { register } from 'node:module';

register('./block-addon.mjs', import.meta.url);
const blocked = await import('../../src/torch/index.js').then(() => 'loaded', (e: Error) => e.message);
const runtime = await import('../../src/runtime/index.js');
const [classifier, detector, image] = process.argv.slice(2) as [string, string, string];
const c = await runtime.loadModel(classifier);
const x = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i));
const probs = await c.classify([x]);
const d = await runtime.loadModel(detector);
const dets = await d.detect([runtime.prepareImage(await runtime.readImage(image), d.inputShape)]);
console.log(JSON.stringify({ blocked, probs: Array.from(probs[0]!), detections: dets[0]!.length }));
