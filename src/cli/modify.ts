/**
 * `model-modify` / `denet modify`: edit a saved model and print its final summary.
 *
 *   model-modify --input MODEL --output MODEL_X768 --image-size 768 768 --modify-layer denet-sparse sample_num=36
 *
 * Operations apply in this order: --image-size, --modify-layer, --layer-remove, --layer-insert (in
 * the order given; each index refers to the model as edited so far), --layer-append, --class-num,
 * --modify-bn, --convert-bn-relu, --merge, --fuse-bn. Without --output nothing is written. It reports which
 * tensors of the input were kept, which were created (new layers, or reshaped ones re-initialised)
 * and which were dropped. A classifier becomes a detector of the same backbone with
 *
 *   model-modify --input classifier.safetensors --output detector.safetensors --layer-remove 1 \
 *     --layer-append $(cat neck-and-head.desc) --class-names data/gen/VOCdevkit/VOC2026/classes.txt --image-size 192 192
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import {
  Model, type TensorReport, appendLayers, convertBnActivation, fuseBatchNorm, hasFoldableBatchNorm, insertLayers, mergeSplits, modifyBatchNorm, modifyLayers,
  parseKeyValues, removeLastLayers, setClassCount, setImageSize, tensorReport,
} from '../model/index.js';
import { UserError } from '../util/errors.js';
import { parseProgram } from './run.js';

const int = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UserError(`Expected an integer for ${flag} but received "${v}"`);
  return n;
};

/** `TYPE k=v … TYPE2 k=v …` → groups (a word without '=' starts a group). */
export function groupModifyLayer(words: string[]): { type: string; values: Record<string, number> }[] {
  const groups: { type: string; words: string[] }[] = [];
  for (const w of words) {
    if (!w.includes('=')) groups.push({ type: w, words: [] });
    else if (!groups.length) throw new UserError(`--modify-layer needs a layer type before "${w}"`);
    else groups[groups.length - 1]!.words.push(w);
  }
  return groups.map((g) => {
    if (!g.words.length) throw new UserError(`--modify-layer ${g.type}: expected key=value settings after the type`);
    return { type: g.type, values: parseKeyValues(g.words) };
  });
}

/** `3:BN 4:A C[8,3]` → [{3, 'BN'}, {4, 'A C[8,3]'}] (a word without `I:` continues the previous one). */
export function groupInserts(words: string[]): { index: number; desc: string }[] {
  const out: { index: number; desc: string }[] = [];
  for (const w of words) {
    const m = /^(\d+):(.*)$/.exec(w);
    if (m) out.push({ index: Number(m[1]), desc: m[2]! });
    else if (!out.length) throw new UserError(`Expected I:DESC for --layer-insert but received "${w}"`);
    else out[out.length - 1]!.desc += ` ${w}`;
  }
  return out;
}

/** `--class-names`: the names themselves, or one file of them (one a line, as VOC's classes.txt). */
export function readClassNames(words: string[]): string[] {
  const names = words.length === 1 && existsSync(words[0]!) ? readFileSync(words[0]!, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : words.flatMap((w) => w.split(',')).filter(Boolean);
  if (!names.length) throw new UserError(`--class-names: no class names in ${words.join(' ')}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UserError(`--class-names: "${dup}" is named twice`);
  return names;
}

/** Counts of the report, with the layers each group of tensors belongs to. */
function formatTensorReport(r: TensorReport, total: (names: string[]) => number): string {
  const layers = (names: string[]) => {
    const idx = [...new Set(names.map((n) => Number(/^layers\.(\d+)\./.exec(n)?.[1])))].sort((a, b) => a - b);
    const runs: string[] = [];
    for (let k = 0; k < idx.length; k++) {
      let e = k;
      while (e + 1 < idx.length && idx[e + 1] === idx[e]! + 1) e++;
      runs.push(e > k ? `${idx[k]}–${idx[e]}` : `${idx[k]}`);
      k = e;
    }
    return runs.length ? ` (layers ${runs.join(', ')})` : '';
  };
  const kept = r.kept.map((n) => n.split(' ← ')[0]!);
  return [
    `tensors kept from the input: ${r.kept.length}, ${total(kept).toLocaleString('en')} values${layers(kept)}`,
    `tensors created (new or reshaped layers, freshly initialised): ${r.created.length}, ${total(r.created).toLocaleString('en')} values${layers(r.created)}`,
    `tensors of the input dropped: ${r.dropped.length}${layers(r.dropped)}`,
  ].join('\n');
}

export async function main(argv: string[], name = 'denet modify'): Promise<number> {
  const program = new Command(name)
    .description('edit a trained model: image size, layer parameters, insert/remove/append layers, class count, BN settings')
    .requiredOption('--input <file>', 'model file to read')
    .option('--output <file>', 'model file to write (omit for a dry run)')
    .option('--image-size <W H...>', 'new input width and height')
    .option('--modify-layer <TYPE key=value...>', 'set arguments of every layer of TYPE (repeatable: TYPE k=v … TYPE2 k=v …)')
    .option('--layer-remove <N>', 'drop the last N layers')
    .option('--layer-insert <I:DESC...>', 'insert DESC before layer I')
    .option('--layer-append <DESC...>', 'append layers')
    .option('--class-num <N>', 'new class count (the classifier is re-initialised)')
    .option('--class-names <NAMES...>', 'new class names (space- or comma-separated, or a file with one a line); a new count re-initialises the classifier')
    .option('--modify-bn <MOMENTUM EPS...>', 'batch-norm keep rate and eps for every BN')
    .option('--convert-bn-relu', 'fuse BN followed by the activation into BNA')
    .option('--merge', 'turn split execution off (remove SPLIT markers)')
    .option('--fuse-bn', 'fold every batch norm that follows a convolution into its weights (an inference model: same outputs, faster, no BN statistics left to train)')
    .option('--verbose', 'show stack traces on errors');
  if (!parseProgram(program, argv)) return 0;
  const o = program.opts<{
    input: string; output?: string; imageSize?: string[]; modifyLayer?: string[]; layerRemove?: string; layerInsert?: string[];
    layerAppend?: string[]; classNum?: string; classNames?: string[]; modifyBn?: string[]; convertBnRelu?: boolean; merge?: boolean; fuseBn?: boolean;
  }>();
  const input = Model.load(o.input);
  let model = input;
  const step = (f: (m: Model) => Model) => {
    const next = f(model);
    if (model !== input) model.dispose();
    model = next;
  };
  try {
    if (o.imageSize) {
      const [w, h = w] = o.imageSize.map((v) => int('--image-size', v));
      if (o.imageSize.length > 2) throw new UserError('--image-size takes W and H');
      step((m) => setImageSize(m, w!, h!));
    }
    for (const g of groupModifyLayer(o.modifyLayer ?? [])) step((m) => modifyLayers(m, g.type, g.values));
    if (o.layerRemove !== undefined) step((m) => removeLastLayers(m, int('--layer-remove', o.layerRemove!)));
    for (const ins of groupInserts(o.layerInsert ?? [])) step((m) => insertLayers(m, ins.index, ins.desc));
    if (o.layerAppend) step((m) => appendLayers(m, o.layerAppend!));
    if (o.classNum !== undefined && o.classNames) throw new UserError('--class-num and --class-names both set the class count: give one');
    if (o.classNum !== undefined) step((m) => setClassCount(m, int('--class-num', o.classNum!)));
    if (o.classNames) {
      const names = readClassNames(o.classNames);
      step((m) => setClassCount(m, names.length, names));
    }
    if (o.modifyBn) {
      const [mom, eps] = o.modifyBn.map(Number);
      if (o.modifyBn.length !== 2 || !Number.isFinite(mom) || !Number.isFinite(eps)) throw new UserError('--modify-bn takes MOMENTUM EPS (two numbers)');
      step((m) => modifyBatchNorm(m, mom!, eps!));
    }
    if (o.convertBnRelu) step(convertBnActivation);
    if (o.merge) step(mergeSplits);
    if (o.fuseBn) {
      if (!hasFoldableBatchNorm(model)) console.log('--fuse-bn: no batch norm follows a convolution; nothing to fold');
      step(fuseBatchNorm);
    }
    console.log(`${model.description()}\n\n${model.formatSummary()}`);
    if (model !== input) {
      const sizes = model.stateDict();
      console.log(`\n${formatTensorReport(tensorReport(input, model), (names) => names.reduce((a, n) => a + sizes[n]!.numel, 0))}`);
    }
    if (o.output) {
      model.save(o.output);
      console.log(`wrote ${o.output}`);
    }
  } finally {
    if (model !== input) model.dispose();
    input.dispose();
  }
  return 0;
}
