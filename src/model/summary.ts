/** Model summary: per layer output shape, parameter count and FLOPs (for one image). */
import { printToken } from '../desc/parser.js';
import type { Shape } from '../nn/layer.js';
import type { Model } from './model.js';

export interface SummaryRow {
  index: number;
  token: string;
  outputShape: Shape;
  params: number;
  flops: number;
}
export interface ModelSummary {
  rows: SummaryRow[];
  totalParams: number;
  totalFlops: number;
}

export function summarize(model: Model): ModelSummary {
  const rows = model.layers.map((l, index) => ({ index, token: printToken(l.token), outputShape: [...l.outShape] as Shape, params: l.parameterCount(), flops: l.flops() }));
  return { rows, totalParams: rows.reduce((a, r) => a + r.params, 0), totalFlops: rows.reduce((a, r) => a + r.flops, 0) };
}

/** 1234567 → "1.23M". */
export function humanCount(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [v, u] of units) if (n >= v) return `${(n / v).toFixed(2)}${u}`;
  return String(n);
}

export function formatSummary(s: ModelSummary, model: Pick<Model, 'inputShape' | 'env' | 'classNames'>): string {
  const head = ['#', 'layer', 'output', 'params', 'FLOPs'];
  const body = [
    ['', 'input', model.inputShape.join('×'), '', ''],
    ...s.rows.map((r) => [String(r.index), r.token, r.outputShape.join('×'), r.params.toLocaleString('en-US'), humanCount(r.flops)]),
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const right = [true, false, false, true, true];
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    line(head),
    rule,
    ...body.map(line),
    rule,
    `total parameters: ${s.totalParams.toLocaleString('en-US')} (${humanCount(s.totalParams)})`,
    `total FLOPs per image: ${s.totalFlops.toLocaleString('en-US')} (${humanCount(s.totalFlops)})`,
    `border mode ${model.env.borderMode}, activation ${model.env.activation}, ${model.classNames.length} classes`,
  ].join('\n');
}
