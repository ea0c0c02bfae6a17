import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { terminalProgress } from "../src/cli/progress.js";
import { createLogger } from "../src/log.js";
import { formatStatus } from "../src/progress.js";

function terminal() {
  let written = "";
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 200 },
  );
  return { stream, written: () => written };
}

describe("progress", () => {
  it("sums up a run in one status line", () => {
    expect(formatStatus({ round: 2, found: 120, papers: 40, fullText: 9, evidence: 17, llmCalls: 33, tokens: 51234, costUsd: 0.0123 }, 12_400)).toBe(
      "round 2 · 120 found · 40 read (9 full text) · 17 evidence · 33 LLM calls, 51234 tokens · $0.0123 · 12 s",
    );
    expect(formatStatus({ round: 1 }, 0)).toBe("round 1 · 0 s");
  });

  it("redraws one line on a terminal, writes log lines above it, and clears it at the end", async () => {
    const { stream, written } = terminal();
    let clock = 0;
    const progress = terminalProgress(stream, () => clock);
    const logger = createLogger("info", progress.logStream);
    progress.step("round 1", { round: 1, evidence: 0 });
    clock = 3000;
    logger.warn("Europe PMC search failed");
    progress.step("round 1 done", { evidence: 4 });
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(written()).toBe(
      "\r\x1b[2Klitreview: round 1 · 0 evidence · 0 s" +
        "\r\x1b[2Klitreview: warn: Europe PMC search failed\n\r\x1b[2Klitreview: round 1 · 0 evidence · 3 s" +
        "\r\x1b[2K\r\x1b[2Klitreview: round 1 · 4 evidence · 3 s" +
        "\r\x1b[2K",
    );
  });
});
