/**
 * Split execution (the `SPLIT` token): the layer list is cut at every SPLIT into segments. A
 * training step first runs all segments forward without building a graph, keeping only what
 * crosses a cut (the segment inputs and SKIPSRC marks); then, last segment first, it runs each
 * segment again with the graph and back-propagates through it at once, so the activations of one
 * segment at a time are alive (the idea of torch.utils.checkpoint). The second run repeats the
 * first exactly: libtorch's RNG state is put back (dropout), and batch-norm running statistics
 * are restored afterwards, so they are updated once per step as without splits.
 *
 * SPLITs must lie before the DeNet head (DNC): its layers pass per-forward state along.
 */
import type { Model } from '../model/index.js';
import { forwardContext, SplitLayer } from '../nn/index.js';
import { getRngState, keep, noGrad, scope, setRngState, type Tensor } from '../torch/index.js';
import { UserError } from '../util/errors.js';
import { checkHasLosses } from './model-like.js';

/** Layer index ranges [start, end) between SPLIT layers, or undefined when there is no SPLIT. */
export function splitSegments(model: Model): [number, number][] | undefined {
  const cuts = model.layers.flatMap((l, i) => (l instanceof SplitLayer ? [i] : []));
  if (cuts.length === 0) return undefined;
  const head = model.layers.findIndex((l) => l.token.type === 'DNC');
  if (head >= 0 && cuts.some((c) => c > head)) throw new UserError('split execution: SPLIT must come before the DeNet head (DNC); put SPLIT markers in the backbone');
  const bounds = [0, ...cuts, model.layers.length];
  return bounds.slice(1).map((end, k) => [bounds[k]!, end] as [number, number]);
}

interface SegmentRun {
  output: Tensor;
  losses: Record<string, Tensor>;
  /** Marks set by this segment (SKIPSRC index → tensor). */
  marks: Map<number, Tensor>;
}

/**
 * Runs the segment [start, end) from `x` through Model.forward, in a context of its own that holds
 * the marks made so far; returns what the segment produced.
 */
function runSegment(model: Model, range: [number, number], x: Tensor, marks: Map<number, Tensor>, o: { labels?: Tensor; targets?: unknown }): SegmentRun {
  const context = forwardContext({ training: true, ...o });
  for (const [k, t] of marks) context.marks.set(k, t);
  const r = model.forward(x, { training: true, ...o, range, context });
  const made = new Map([...r.marks].filter(([k, t]) => marks.get(k) !== t));
  return { output: r.output, losses: r.losses, marks: made };
}

/**
 * One split-execution training step: accumulates every parameter's gradient of
 * `scale · Σ losses` (as `forward` + `backward` would) and returns the loss values.
 */
export function splitTrainStep(model: Model, segments: [number, number][], images: Tensor, o: { labels?: Tensor; targets?: unknown }, scale: number): Record<string, number> {
  const given = { labels: o.labels, targets: o.targets };
  return scope(() => {
    // ---- forward, no graph: keep each segment's input, its RNG state and the marks -----------
    const inputs: Tensor[] = [];
    const rng: Tensor[] = [];
    const marksBefore: Map<number, Tensor>[] = [];
    const values: Record<string, number> = {};
    let marks = new Map<number, Tensor>();
    let x = model.prepareInput(images);
    for (const [start, end] of segments) {
      inputs.push(x);
      rng.push(getRngState());
      marksBefore.push(marks);
      const r = noGrad(() => scope(() => runSegment(model, [start, end], x, marks, given)));
      for (const [name, t] of Object.entries(r.losses)) values[name] = (values[name] ?? 0) + t.item();
      x = r.output;
      marks = new Map([...marks, ...r.marks]);
    }
    checkHasLosses(Object.keys(values));
    if (Object.values(values).some((v) => !Number.isFinite(v))) return values;
    const rngAfter = getRngState(); // where an unsplit step would leave the generator

    // ---- backward, last segment first: run again with the graph, back-propagate ---------------
    let gradOut: Tensor | undefined;
    const markGrads = new Map<number, Tensor>();
    for (let s = segments.length - 1; s >= 0; s--) {
      const [start, end] = segments[s]!;
      const layers = model.layers.slice(start, end);
      setRngState(rng[s]!);
      const saved = layers.flatMap((l) => l.namedBuffers().map((b) => [b.tensor, b.tensor.clone()] as const));
      gradOut = scope(() => {
        const xin = s > 0 ? inputs[s]!.detach().requiresGrad_() : inputs[s]!;
        const marksIn = new Map([...marksBefore[s]!].map(([k, t]) => [k, t.detach().requiresGrad_()] as const));
        const r = runSegment(model, [start, end], xin, marksIn, given);
        let objective: Tensor | undefined;
        const add = (t: Tensor) => (objective = objective ? objective.add(t) : t);
        for (const t of Object.values(r.losses)) add(scale === 1 ? t : t.mul(scale));
        if (gradOut) add(r.output.mul(gradOut).sum());
        for (const [k, t] of r.marks) if (markGrads.has(k)) add(t.mul(markGrads.get(k)!).sum());
        objective?.backward();
        for (const [k, t] of marksIn) {
          const g = t.grad;
          if (!g) continue;
          const old = markGrads.get(k);
          markGrads.set(k, keep(old ? old.add(g) : g));
          old?.dispose();
        }
        return s > 0 ? xin.grad : undefined;
      });
      noGrad(() => saved.forEach(([buffer, copy]) => buffer.copy_(copy)));
      for (const [, copy] of saved) copy.dispose();
    }
    setRngState(rngAfter);
    for (const g of markGrads.values()) g.dispose();
    return values;
  });
}
