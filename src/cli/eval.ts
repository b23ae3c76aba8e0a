/**
 * `denet eval`: detection metrics from result files.
 *
 *   denet eval coco --gt instances_val2017.json --dt results.json [--json] [--plots DIR]
 *   denet eval voc --devkit VOCdevkit --year 2007 --set test --results DIR [--metric 07|all] [--json] [--plots DIR]
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { COCO_STAT_NAMES, evaluateCocoFiles, formatCocoSummary } from '../eval/coco/index.js';
import { cocoPrCurves, prCurvesPng, prGridPng, vocPrCurves, type PrCurve } from '../eval/pr-curve.js';
import { evaluateVocFiles, VOC_CLASSES, type VocMetric } from '../eval/voc/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';

async function writePlots(dir: string, perClass: PrCurve[], overall: PrCurve, what: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const a = path.join(dir, 'pr-curves.png'), b = path.join(dir, 'pr-curves-per-class.png');
  writeFileAtomic(a, await prCurvesPng(perClass, overall, { title: `Precision-recall, ${what}` }));
  writeFileAtomic(b, await prGridPng(perClass, { title: `Precision-recall per class, ${what}` }));
  return [a, b];
}

/** Per-category numbers keyed by name; a repeated name gets its id appended so nothing is overwritten. */
function byName(rows: { id: number; name: string; AP: number; AP50: number }[]): Record<string, { id: number; AP: number; AP50: number }> {
  const out: Record<string, { id: number; AP: number; AP50: number }> = {};
  for (const { id, name, AP, AP50 } of rows) out[name in out ? `${name} (id ${id})` : name] = { id, AP, AP50 };
  return out;
}

/** The `denet eval` program with its `coco` and `voc` sub-commands (their actions print the metrics). */
export function evalProgram(): Command {
  const program = new Command('denet eval')
    .description('COCO and Pascal VOC detection metrics from result files')
    .exitOverride()
    .showHelpAfterError('(run with --help for the options)');

  program.command('coco')
    .description('COCO bbox AP/AR, equal to pycocotools COCOeval (the 12 standard numbers and per-category AP)')
    .requiredOption('--gt <file>', 'COCO annotation JSON (images, annotations, categories)')
    .requiredOption('--dt <file>', 'results JSON: [{image_id, category_id, bbox: [x,y,w,h], score}]')
    .option('--json', 'print one JSON object (the 12 numbers and per_category) instead of the summary')
    .option('--plots <dir>', 'write precision-recall curves (IoU 0.50) as PNG into this folder')
    .option('--verbose', 'show stack traces on errors')
    .action(async (o: { gt: string; dt: string; json?: boolean; plots?: string }) => {
      const r = evaluateCocoFiles(o.gt, o.dt);
      for (const w of r.warnings) console.error(`warning: ${w}`);
      if (o.json) {
        const out: Record<string, unknown> = {};
        for (const n of COCO_STAT_NAMES) out[n] = r.stats[n];
        out.per_category = byName(r.perCategory);
        console.log(JSON.stringify(out, null, 1));
      } else {
        console.log(formatCocoSummary(r.stats));
      }
      if (o.plots) {
        const c = cocoPrCurves(r.evaluation, 0.5);
        const files = await writePlots(o.plots, c.perClass, c.overall, 'COCO IoU 0.50');
        console.error(`wrote ${files.join(', ')}`);
      }
    });

  program.command('voc')
    .description('Pascal VOC per-class AP and mAP (VOC2007 11-point or VOC2010+ all-point)')
    .requiredOption('--devkit <path>', 'VOCdevkit folder (holding VOC<year>/Annotations and ImageSets/Main)')
    .requiredOption('--year <year>', 'dataset year, e.g. 2007 or 2012')
    .option('--set <name>', 'image set in ImageSets/Main', 'test')
    .requiredOption('--results <dir>', 'folder with comp4_det_<set>_<class>.txt files')
    .addOption(new Option('--metric <rule>', 'AP rule: 07 = 11-point, all = all-point (default: 07 for years before 2010, else all)').choices(['07', 'all']))
    .option('--classes <list>', 'comma-separated class names (default: the 20 VOC classes)')
    .option('--json', 'print {"mAP": …, "per_class": {…}} instead of a table')
    .option('--plots <dir>', 'write precision-recall curves as PNG into this folder')
    .option('--verbose', 'show stack traces on errors')
    .action(async (o: { devkit: string; year: string; set: string; results: string; metric?: VocMetric; classes?: string; json?: boolean; plots?: string }) => {
      if (!/^\d{4}$/.test(o.year)) throw new UserError(`Expected a four-digit year for --year but received ${JSON.stringify(o.year)}`);
      const metric: VocMetric = o.metric ?? (Number(o.year) < 2010 ? '07' : 'all');
      const classes = o.classes ? o.classes.split(',').map((s) => s.trim()).filter(Boolean) : [...VOC_CLASSES];
      if (classes.length === 0) throw new UserError('--classes names no class');
      const r = evaluateVocFiles({ devkit: o.devkit, year: o.year, set: o.set, resultsDir: o.results, metric, classes });
      for (const w of r.warnings) console.error(`warning: ${w}`);
      if (o.json) {
        console.log(JSON.stringify({ mAP: r.mAP, per_class: Object.fromEntries([...r.perClass].map(([c, v]) => [c, v.ap])) }, null, 1));
      } else {
        const fmt = (v: number | null) => (v === null ? '   n/a' : v.toFixed(4));
        for (const [c, v] of r.perClass) console.log(`${c.padEnd(14)} AP = ${fmt(v.ap)}   (${v.npos} objects, ${v.tp} TP, ${v.fp} FP)`);
        console.log(`${'mAP'.padEnd(14)}    = ${fmt(r.mAP)}   (VOC${o.year} ${o.set}, ${metric === '07' ? '11-point' : 'all-point'} AP)`);
      }
      if (o.plots) {
        const c = vocPrCurves(r);
        const files = await writePlots(o.plots, c.perClass, c.overall, `VOC${o.year} ${o.set}`);
        console.error(`wrote ${files.join(', ')}`);
      }
    });
  return program;
}

/** Runs `denet eval …`; returns the exit code. User mistakes throw `UserError` (one line from runCli). */
export async function main(argv: string[]): Promise<number> {
  const program = evalProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return 0;
}
