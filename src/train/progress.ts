/** The training progress bar (cli-progress on stderr): batches, images/s, running loss, ETA. Off when stderr is not a TTY. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, payload: { rate: number; loss: string }): void;
  stop(): void;
}

const NOOP: Progress = { update() {}, stop() {} };

export function progressBar(label: string, total: number, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled || total <= 0) return NOOP;
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
