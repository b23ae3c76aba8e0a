/** The training progress bar (cli-progress on stderr): batches, images/s, running loss, ETA. Off when stderr is not a TTY. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, payload: { rate: number; loss: string }): void;
  stop(): void;
}

const NOOP: Progress = { update() {}, stop() {} };

/** Without a TTY: one plain line on stderr every `everyMs` (so logs of long runs show progress and ETA). */
function periodicLines(label: string, total: number, everyMs: number): Progress {
  const t0 = performance.now();
  let last = t0;
  return {
    update(done, p) {
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      const eta = ((now - t0) / 1000) * (total / Math.max(done, 1) - 1);
      process.stderr.write(`${label}: ${done}/${total}  ${p.rate.toFixed(0)} img/s  loss ${p.loss}  ETA ${Math.floor(eta / 60)}m${String(Math.round(eta % 60)).padStart(2, '0')}s\n`);
    },
    stop() {},
  };
}

/**
 * A progress bar when `enabled` (default: stderr is a TTY); otherwise, when `quietLinesMs` is
 * given, a plain progress line at that interval; else nothing.
 */
export function progressBar(label: string, total: number, enabled = process.stderr.isTTY === true, quietLinesMs?: number): Progress {
  if (total <= 0) return NOOP;
  if (!enabled) return quietLinesMs ? periodicLines(label, total, quietLinesMs) : NOOP;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} |{bar}| {value}/{total} | {rate} img/s | loss {loss} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '-', loss: '-' });
  return {
    update: (done, p) => bar.update(done, { rate: p.rate.toFixed(0), loss: p.loss }),
    stop: () => bar.stop(),
  };
}
