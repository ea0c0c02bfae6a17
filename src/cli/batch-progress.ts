// How a batch reports itself on stderr. On a terminal: a compact block redrawn in place, one line per
// running question (its id and status line) and a total line; log lines are written above it. Not on
// a terminal: each question's steps as log lines prefixed with its id.
import type { Logger } from "../log.js";
import { formatStatus, logProgress, type Progress, type ProgressCounts } from "../progress.js";
import { writeAboveDisplay } from "./progress.js";
import type { LiveDisplay } from "./run.js";

export interface BatchProgress {
  /** The progress of one question's run; its `stop` takes the question off the display. */
  question(id: string, logger: Logger): Progress;
  /** A question is over: it counts as done or failed in the total, with what it cost. */
  finished(outcome: { failed: boolean; costUsd: number | null }): void;
}

export type LiveBatchProgress = BatchProgress & LiveDisplay;

/** The logger of one question: its lines start with the question's id. */
export function questionLogger(logger: Logger, id: string): Logger {
  return logger.child({}, { msgPrefix: `[${id}] ` });
}

/** Not on a terminal: steps as log lines through the question's own logger; the summaries on stdout are the totals. */
export function logBatchProgress(): BatchProgress {
  return { question: (_id, logger) => logProgress(logger), finished: () => undefined };
}

/** Redraws at least this often, so the elapsed times move while nothing else does. */
const TICK_MS = 1000;

export function terminalBatchProgress(stream: NodeJS.WritableStream, total: number, now: () => number = () => performance.now()): LiveBatchProgress {
  const startedAt = now();
  const running = new Map<string, { startedAt: number; counts: Partial<ProgressCounts> }>();
  let done = 0;
  let failed = 0;
  let finishedCostUsd = 0;
  let linesShown = 0;
  let stopped = false;

  const clear = () => {
    // Back to the first line of the block, then erase to the end of the screen.
    if (linesShown > 0) stream.write(`\r\x1b[${linesShown}A\x1b[0J`);
    linesShown = 0;
  };
  const draw = () => {
    if (stopped) return;
    // A terminal of unknown size reports 0 columns.
    const width = Math.max(20, ((stream as NodeJS.WriteStream).columns || 100) - 1);
    const costUsd = finishedCostUsd + [...running.values()].reduce((sum, row) => sum + (row.counts.costUsd ?? 0), 0);
    const lines = [
      ...[...running].map(([id, row]) => `  ${id} · ${Object.keys(row.counts).length > 0 ? formatStatus(row.counts, now() - row.startedAt) : "starting"}`),
      `litreview: ${done} done · ${failed} failed · ${total - done - failed} remaining · ${Math.round((now() - startedAt) / 1000)} s · $${costUsd.toFixed(4)}`,
    ];
    stream.write(lines.map((line) => `${line.slice(0, width)}\n`).join(""));
    linesShown = lines.length;
  };
  const redraw = () => {
    clear();
    draw();
  };
  const ticker = setInterval(redraw, TICK_MS);
  ticker.unref();

  const logStream = writeAboveDisplay(stream, clear, draw);
  return {
    logStream,
    question(id) {
      running.set(id, { startedAt: now(), counts: {} });
      redraw();
      return {
        step(_message, counts) {
          const row = running.get(id);
          if (row) row.counts = { ...row.counts, ...counts };
          redraw();
        },
        stop() {
          running.delete(id);
          redraw();
        },
      };
    },
    finished({ failed: questionFailed, costUsd }) {
      if (questionFailed) failed += 1;
      else done += 1;
      finishedCostUsd += costUsd ?? 0;
      redraw();
    },
    stop() {
      clearInterval(ticker);
      clear();
      stopped = true;
    },
  };
}
