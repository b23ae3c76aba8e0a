/**
 * The run folder's results.png: panels side by side (loss, test metrics) drawn with
 * src/eval/plot.ts (`plotFragment`) and rasterised by sharp.
 */
import { plotFragment, svgToPng, type Series as PlotSeries } from '../eval/plot.js';

export interface Series { name: string; y: number[] }
export interface Panel { title: string; series: Series[] }

/** Renders the panels side by side (each 640×400) as one PNG. */
export async function curvesPng(x: number[], panels: Panel[], xLabel: string): Promise<Buffer> {
  const w = 640;
  const h = 400;
  const groups = panels.map((p, i) => {
    const series: PlotSeries[] = p.series.map((s) => ({ name: s.name, x, y: s.y }));
    return `<g transform="translate(${i * w},0)">${plotFragment(series, { title: p.title, xLabel }, w, h)}</g>`;
  });
  const total = w * Math.max(1, panels.length);
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${h}" viewBox="0 0 ${total} ${h}"><rect width="100%" height="100%" fill="white"/>${groups.join('\n')}</svg>`);
}
