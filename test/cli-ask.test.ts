import { randomFillSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "./helpers/temp.js";
import { ReviewSchema } from "../src/review/schema.js";
import { runCli } from "./helpers/cli.js";

const LACE_PLANT = "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?";
const PUBMEDQA_LIBRARY = "fixtures/pubmedqa/corpus.jsonl";

/** Citation numbers used in the body (before References), ignoring escaped brackets from source text. */
function citationsInBody(markdown: string): number[] {
  const body = markdown.slice(0, markdown.indexOf("\n## References"));
  return [...body.matchAll(/(?<!\\)\[(\d+)\](?!\()/g)].map((match) => Number(match[1]));
}

function referenceNumbers(markdown: string): number[] {
  const references = markdown.slice(markdown.indexOf("\n## References"));
  return [...references.matchAll(/^(\d+)\. /gm)].map((match) => Number(match[1]));
}

const tempDir = () => makeTempDir("litreview-cli-");

describe("litreview ask on the bundled PubMedQA library (no network, no LLM)", () => {
  it("prints a Markdown review whose first citation is PMID 21645374 and whose numbers all resolve", async () => {
    const result = await runCli(["ask", LACE_PLANT, "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--no-llm"]);
    expect(result.code).toBe(0);
    const markdown = result.stdout;
    expect(markdown.startsWith(`# ${LACE_PLANT}\n`)).toBe(true);
    const used = citationsInBody(markdown);
    expect(used[0]).toBe(1);
    expect(markdown).toMatch(/^1\. .*PMID: \[21645374\]/m);
    const listed = referenceNumbers(markdown);
    expect(new Set(used)).toEqual(new Set(listed));
    expect(listed).toEqual(listed.map((_, index) => index + 1));
    // Numbers are handed out in order of first use.
    const firstUse = [...new Set(used)];
    expect(firstUse).toEqual([...firstUse].sort((a, b) => a - b));
    for (const heading of ["## Answer", "## Key findings", "## Evidence table", "## Methods", "## References"]) {
      expect(markdown).toContain(heading);
    }
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("emits the same review as JSON that satisfies the schema", async () => {
    const result = await runCli(["ask", LACE_PLANT, "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--no-llm", "--format", "json"]);
    expect(result.code).toBe(0);
    const review = ReviewSchema.parse(JSON.parse(result.stdout));
    expect(review.status).toBe("answered");
    expect(review.references[0]?.ids.pmid).toBe("21645374");
    expect(review.references[0]?.access).toBe("abstract-only");
    const cited = new Set([...review.answerQuotes, ...review.findings].map((quote) => quote.citation));
    expect([...cited].sort((a, b) => a - b)).toEqual(review.references.map((reference) => reference.number));
    expect(review.methods.counts.papers).toBe(1000);
  });

  it("reads the question from stdin with '-' and writes to --out instead of stdout", async () => {
    const out = join(tempDir(), "review.md");
    const result = await runCli(["ask", "-", "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--no-llm", "--out", out], { stdin: `${LACE_PLANT}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toContain("PMID: [21645374]");
  });

  it("answers 'insufficient' honestly when nothing in the library bears on the question", async () => {
    const result = await runCli(["ask", "What is the boiling point of tungsten hexafluoride?", "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--no-llm", "--format", "json"]);
    expect(result.code).toBe(0);
    const review = ReviewSchema.parse(JSON.parse(result.stdout));
    expect(review.status).toBe("insufficient");
  });
});

describe("litreview ask: bad input ends with one line and the right exit code", () => {
  const expectOneLineError = (stderr: string, pattern: RegExp) => {
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  };

  it("rejects an empty question with exit code 2", async () => {
    const result = await runCli(["ask", "", "--library", PUBMEDQA_LIBRARY, "--sources", "none"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expectOneLineError(result.stderr, /^litreview: error: the question is empty$/);
  });

  it("rejects a 1 MB question from stdin with exit code 2", async () => {
    const result = await runCli(["ask", "-", "--library", PUBMEDQA_LIBRARY, "--sources", "none"], { stdin: "why ".repeat(262_144) });
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /question is too long/);
  });

  it("rejects a 100 kB question argument with exit code 2", async () => {
    const result = await runCli(["ask", "x".repeat(100_000), "--library", PUBMEDQA_LIBRARY, "--sources", "none"]);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /question is too long \(100000 characters; the limit is 4000/);
  });

  it("reports a missing library path with exit code 2", async () => {
    const result = await runCli(["ask", LACE_PLANT, "--library", "no/such/dir", "--sources", "none", "--no-llm"]);
    expect(result.code).toBe(2);
    expectOneLineError(result.stderr, /library path not found: no\/such\/dir/);
  });

  it("skips binary files with a warning each and fails with one line when nothing is readable", async () => {
    const dir = tempDir();
    for (const name of ["a.xml", "b.txt", "c.md", "d.bin"]) writeFileSync(join(dir, name), randomFillSync(Buffer.alloc(4096)));
    const result = await runCli(["ask", LACE_PLANT, "--library", dir, "--sources", "none", "--no-llm"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(/^litreview: error: no readable papers in /);
    for (const name of ["a.xml", "b.txt", "c.md"]) expect(result.stderr).toContain(name);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("gives a one-line error and exit code 2 for unknown flags and missing arguments", async () => {
    const unknown = await runCli(["ask", LACE_PLANT, "--frobnicate"]);
    expect(unknown.code).toBe(2);
    expectOneLineError(unknown.stderr, /unknown option '--frobnicate'/);
    const missing = await runCli(["ask"]);
    expect(missing.code).toBe(2);
    expectOneLineError(missing.stderr, /missing required argument 'question'/);
    const badFormat = await runCli(["ask", LACE_PLANT, "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--format", "xml"]);
    expect(badFormat.code).toBe(2);
    expectOneLineError(badFormat.stderr, /--format.*xml.*markdown, json/);
    const badNumber = await runCli(["ask", LACE_PLANT, "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--top-k", "0"]);
    expect(badNumber.code).toBe(2);
    expectOneLineError(badNumber.stderr, /invalid value for --top-k: 0; allowed: a whole number from 1 to 500/);
  });

  it("reports an unwritable --out path with exit code 1 and no stack trace", async () => {
    const result = await runCli(["ask", LACE_PLANT, "--library", PUBMEDQA_LIBRARY, "--sources", "none", "--no-llm", "--out", join(tempDir(), "missing", "r.md")]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(/^litreview: error: cannot write .*r\.md: the directory does not exist$/);
  });

  it("honours a litreview.config.json in the working directory", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "litreview.config.json"), JSON.stringify({ format: "json", library: [join(process.cwd(), PUBMEDQA_LIBRARY)], sources: [] }));
    const result = await runCli(["ask", LACE_PLANT, "--quiet"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).references[0].ids.pmid).toBe("21645374");
  });
});

describe("litreview --help and --version", () => {
  it("prints help on stdout with the commands, and the version", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/ask/);
    expect(help.stdout).toMatch(/eval/);
    const version = await runCli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });
});
