/**
 * `model-modify` / `denet modify`: edit a saved model and print its final summary.
 *
 *   model-modify --input MODEL --output MODEL_X768 --image-size 768 768 --modify-layer denet-sparse sample_num=36
 *
 * Operations apply in this order: --image-size, --modify-layer, --layer-remove, --layer-insert (in
 * the order given; each index refers to the model as edited so far), --layer-append, --num-classes (or --class-names),
 * --modify-bn, --convert-bn-relu, --merge, --fuse-bn. Without --output nothing is written. It reports which
 * tensors of the input were kept, which were created (new layers, or reshaped ones re-initialised)
 * and which were dropped. A classifier becomes a detector of the same backbone with
 *
 *   model-modify --input classifier.safetensors --output detector.safetensors --layer-remove 1 \
 *     --layer-append $(cat neck-and-head.desc) --class-names data/gen/VOCdevkit/VOC2026/classes.txt --image-size 192 192
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import {
  Model, type TensorReport, appendLayers, convertBnActivation, fuseBatchNorm, hasFoldableBatchNorm, insertLayers, mergeSplits, modifyBatchNorm, modifyLayers,
  parseKeyValues, removeLastLayers, setClassCount, setImageSize, tensorReport,
} from '../model/index.js';
import { UserError } from '../util/errors.js';
import { flag, listOf, nonNegative, nonNegativeInt, option, positiveInt } from '../util/options.js';
import { buildProgram, parseOptions } from './options.js';

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

const words = listOf((v: string) => v);

export const MODIFY_OPTIONS = {
  input: option({ flag: 'input', value: '<file>', help: 'model file to read', required: true }),
  output: option({ flag: 'output', value: '<file>', help: 'model file to write (omit for a dry run)' }),
  imageSize: option({ flag: 'image-size', value: '<W H...>', help: 'new input width and height', parse: listOf(positiveInt('image-size')) }),
  modifyLayer: option({ flag: 'modify-layer', value: '<TYPE key=value...>', help: 'set arguments of every layer of TYPE (repeatable: TYPE k=v … TYPE2 k=v …)', parse: words }),
  layerRemove: option({ flag: 'layer-remove', value: '<N>', help: 'drop the last N layers', parse: nonNegativeInt('layer-remove') }),
  layerInsert: option({ flag: 'layer-insert', value: '<I:DESC...>', help: 'insert DESC before layer I', parse: words }),
  layerAppend: option({ flag: 'layer-append', value: '<DESC...>', help: 'append layers', parse: words }),
  numClasses: option({ flag: 'num-classes', value: '<N>', aliases: ['class-num'], help: 'new class count (the classifier is re-initialised)', parse: positiveInt('num-classes') }),
  classNames: option({ flag: 'class-names', value: '<NAMES...>', help: 'new class names (space- or comma-separated, or a file with one a line); a new count re-initialises the classifier', parse: words }),
  modifyBn: option({ flag: 'modify-bn', value: '<MOMENTUM EPS...>', help: 'batch-norm keep rate and eps for every BN', parse: listOf(nonNegative('modify-bn')) }),
  convertBnRelu: flag('convert-bn-relu', 'fuse BN followed by the activation into BNA'),
  merge: flag('merge', 'turn split execution off (remove SPLIT markers)'),
  fuseBn: flag('fuse-bn', 'fold every batch norm that follows a convolution into its weights (an inference model: same outputs, faster, no BN statistics left to train)'),
  verbose: flag('verbose', 'show stack traces on errors'),
};

export function modifyProgram(name = 'denet modify'): Command {
  return buildProgram(name, 'edit a trained model: image size, layer parameters, insert/remove/append layers, class count, BN settings', MODIFY_OPTIONS);
}

export async function main(argv: string[], name = 'denet modify'): Promise<number> {
  const o = parseOptions(modifyProgram(name), MODIFY_OPTIONS, argv);
  if (!o) return 0;
  const input = Model.load(o.input);
  let model = input;
  const step = (f: (m: Model) => Model) => {
    const next = f(model);
    if (model !== input) model.dispose();
    model = next;
  };
  try {
    if (o.imageSize) {
      const [w, h = w] = o.imageSize;
      if (o.imageSize.length > 2) throw new UserError('--image-size takes W and H');
      step((m) => setImageSize(m, w!, h!));
    }
    for (const g of groupModifyLayer(o.modifyLayer ?? [])) step((m) => modifyLayers(m, g.type, g.values));
    if (o.layerRemove !== undefined) step((m) => removeLastLayers(m, o.layerRemove!));
    for (const ins of groupInserts(o.layerInsert ?? [])) step((m) => insertLayers(m, ins.index, ins.desc));
    if (o.layerAppend) step((m) => appendLayers(m, o.layerAppend!));
    if (o.numClasses !== undefined && o.classNames) throw new UserError('--num-classes and --class-names both set the class count: give one');
    if (o.numClasses !== undefined) step((m) => setClassCount(m, o.numClasses!));
    if (o.classNames) {
      const names = readClassNames(o.classNames);
      step((m) => setClassCount(m, names.length, names));
    }
    if (o.modifyBn) {
      const [mom, eps] = o.modifyBn;
      if (o.modifyBn.length !== 2) throw new UserError('--modify-bn takes MOMENTUM EPS (two numbers)');
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
