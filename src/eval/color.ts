/**
 * Colours per class: ten distinct, colour-blind-friendly hues (Tableau 10) for the first classes,
 * then golden-angle hues so any class index gets a stable, distinguishable colour.
 */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** A CSS colour (`#rrggbb` or `hsl(...)`) for class index `i` (any non-negative integer). */
export function classColor(i: number): string {
  if (i < TAB10.length) return TAB10[i];
  const hue = (i * 137.508) % 360;
  return `hsl(${hue.toFixed(1)}, 65%, ${i % 2 ? 40 : 50}%)`;
}

/** Escapes text for SVG element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The font every picture uses (installed with fontconfig; librsvg picks it up through sharp). */
export const FONT = 'DejaVu Sans, sans-serif';
