/**
 * EVENT_LOOP_WARN_MS: once a second, a warning when the event loop was blocked longer than the setting during
 * that second (perf_hooks.monitorEventLoopDelay's maximum), so that an operator (and `npm run bench:flood`)
 * sees what a synchronous step costs every other request. It only logs: nothing of it is served over HTTP.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from 'pino';

const INTERVAL_MS = 1000;

/** Starts watching; the returned function stops it. */
export function watchEventLoop(warnMs: number, log: Logger): () => void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const timer = setInterval(() => {
    const maxMs = histogram.max / 1e6;
    if (maxMs > warnMs) {
      log.warn(
        { eventLoop: { maxMs: round(maxMs), p99Ms: round(histogram.percentile(99) / 1e6), meanMs: round(histogram.mean / 1e6) } },
        'the event loop was blocked',
      );
    }
    histogram.reset();
  }, INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
