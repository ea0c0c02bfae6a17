// The live status line on a terminal. Log lines written while it shows clear it first and redraw it
// after, so the two never garble each other.
import { Writable } from "node:stream";
import { formatStatus, type Progress, type ProgressCounts } from "../progress.js";

export interface TerminalProgress extends Progress {
  /** A stream for the logger: it writes above the status line. */
  logStream: Writable;
}

/** A stream for the logger that clears a live display, writes the log line, and draws the display again below it. */
export function writeAboveDisplay(stream: NodeJS.WritableStream, clear: () => void, draw: () => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void) {
      clear();
      stream.write(chunk);
      draw();
      done();
    },
  });
}

export function terminalProgress(stream: NodeJS.WritableStream, now: () => number = () => performance.now()): TerminalProgress {
  const startedAt = now();
  let counts: Partial<ProgressCounts> = {};
  let shown = false;
  let stopped = false;
  const clear = () => {
    if (shown) stream.write("\r\x1b[2K");
    shown = false;
  };
  const draw = () => {
    if (stopped || Object.keys(counts).length === 0) return;
    const columns = (stream as NodeJS.WriteStream).columns || 100;
    stream.write(`\r\x1b[2K${`litreview: ${formatStatus(counts, now() - startedAt)}`.slice(0, Math.max(20, columns - 1))}`);
    shown = true;
  };
  return {
    logStream: writeAboveDisplay(stream, clear, draw),
    step(_message, update) {
      counts = { ...counts, ...update };
      clear();
      draw();
    },
    stop() {
      clear();
      stopped = true;
    },
  };
}
