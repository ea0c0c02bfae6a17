import { mkdir, readFile, symlink, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";

import { beforeEach, describe, expect, it } from "vitest";

import { UsageError } from "../src/errors.js";
import { createLogger, type Logger } from "../src/log.js";
import { loadLibrary } from "../src/sources/library.js";
import { imageOnlyPdf, SAMPLE, samplePaperPdf } from "./helpers/sample-pdf.js";
import { makeTempDir } from "./helpers/temp.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const MIXED = path.join(FIXTURES, "library-mixed");
const JATS = path.join(FIXTURES, "jats");

/** A real logger (the CLI's format) whose lines are kept for inspection. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger("debug", sink), lines };
}

function warnings(lines: string[]): string[] {
  return lines.filter((line) => line.startsWith("litreview: warn:"));
}

describe("loadLibrary on the mixed fixture library", () => {
  it("loads Markdown, plain text and corpus lines recursively, in path order", async () => {
    const { logger, lines } = capturingLogger();
    const result = await loadLibrary([MIXED], logger);

    expect(result.papers.map((paper) => paper.record.id)).toEqual([
      "local:corpus.jsonl#doc-1",
      "pmid:21810267",
      "doi:10.5555/example.doc5",
      "local:notes/deep/nested/fitness-landscapes.txt",
      "local:notes/holin-timing.md",
    ]);
    expect(result.filesSeen).toBe(5);

    const [drift, lysis, untitled, fitness, notes] = result.papers;
    expect(drift?.document).toMatchObject({ access: "abstract-only", sections: [{ path: ["Abstract"] }] });
    expect(drift?.record.abstract).toMatch(/^Small populations accumulate/);
    expect(lysis?.record).toMatchObject({
      title: "Lysis time stochasticity",
      year: 2011,
      journal: "BMC Microbiology",
      authors: [
        { family: "Dennehy", given: "John J" },
        { family: "Wang", given: "Ing-Nang" },
      ],
      ids: { pmid: "21810267", doi: "10.1186/1471-2180-11-174", local: "corpus.jsonl#doc-2" },
    });
    expect(untitled?.record.title).toBe("");
    expect(fitness?.record.title).toBe("Fitness landscapes and phenotypic complexity");
    expect(fitness?.document.sections[0]?.paragraphs).toHaveLength(2);
    expect(notes?.record).toMatchObject({ title: "Holin timing and lysis: reading notes", year: 2011 });
    expect(notes?.document.sections.map((section) => section.path)).toEqual([
      [],
      ["Findings"],
      ["Findings", "Promoter activity"],
      ["Open questions"],
    ]);

    // Malformed corpus lines are skipped one by one and named by file:line; the rest of the file loads.
    expect(result.skipped).toEqual([
      { path: path.join(MIXED, "corpus.jsonl:3"), reason: expect.stringMatching(/^malformed line: .*JSON/) },
      { path: path.join(MIXED, "corpus.jsonl:4"), reason: "malformed line: text: Invalid input: expected string, received undefined" },
      { path: path.join(MIXED, "notes/scan.pdf"), reason: "notes/scan.pdf is not a readable PDF: invalid or damaged PDF structure" },
    ]);
    expect(warnings(lines)).toEqual([
      expect.stringMatching(/skipping library file: malformed line: .*\(file=.*corpus\.jsonl:3\)$/),
      expect.stringMatching(/skipping library file: malformed line: text: .*\(file=.*corpus\.jsonl:4\)$/),
      expect.stringMatching(/skipping library file: notes\/scan\.pdf is not a readable PDF: .* \(file=.*notes\/scan\.pdf\)$/),
    ]);
    // Unsupported files are only mentioned at debug level.
    expect(lines).toContainEqual(expect.stringMatching(/^litreview: debug: ignoring library file of unsupported type \(\.png\)/));
  });

  it("drops a paper loaded twice, keeping the first (JATS full text over the corpus abstract)", async () => {
    const { logger } = capturingLogger();
    const result = await loadLibrary([JATS, MIXED], logger);

    const ids = result.papers.map((paper) => paper.record.id);
    expect(ids.filter((id) => id === "pmid:21810267")).toHaveLength(1);
    const lysis = result.papers.find((paper) => paper.record.id === "pmid:21810267");
    expect(lysis?.document.access).toBe("fulltext");
    expect(lysis?.record.ids.local).toBe("pmc-jats-PMC3166277.xml");
    expect(result.papers).toHaveLength(5 + 4);
    expect(result.filesSeen).toBe(10);
    expect(result.papers.slice(0, 5).map((paper) => paper.record.id)).toEqual([
      "pmid:34527728",
      "pmid:42169256",
      "pmid:17299597",
      "pmid:19079722",
      "pmid:21810267",
    ]);
  });

  it("throws a UsageError for a path that does not exist", async () => {
    const { logger } = capturingLogger();
    const missing = path.join(FIXTURES, "no-such-library");
    await expect(loadLibrary([MIXED, missing], logger)).rejects.toThrow(UsageError);
    await expect(loadLibrary([missing], logger)).rejects.toThrow(`library path not found: ${missing}`);
  });

  it("loads the PubMedQA corpus (1,000 abstracts) quickly", async () => {
    const { logger } = capturingLogger();
    const started = performance.now();
    const result = await loadLibrary([path.join(FIXTURES, "pubmedqa", "corpus.jsonl")], logger);
    const elapsed = performance.now() - started;

    expect(result.papers).toHaveLength(1000);
    expect(result.skipped).toEqual([]);
    // Its lines carry the PMID in "metadata"; the title is empty, so the corpus id stands in.
    expect(result.papers[0]?.record).toMatchObject({ id: "pmid:21645374", title: "" });
    expect(result.papers[0]?.document.access).toBe("abstract-only");
    expect(elapsed).toBeLessThan(1500);
  });
});

describe("loadLibrary on odd files", () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir("litreview-library-");
  });

  async function write(relative: string, content: string | Uint8Array): Promise<string> {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    return file;
  }

  it("skips binary, non-UTF-8, malformed and oversized files with a warning naming each, and goes on", async () => {
    await write("good.md", "# Good paper\n\nReadable text.");
    await write("binary.txt", new Uint8Array([0x47, 0x49, 0x46, 0x00, 0x01, 0x02]));
    await write("latin1.txt", new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x0a]));
    await write("broken.xml", "<article><front></article>");
    await write("pubmed.xml", "<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>");
    await write("binary.jsonl", new Uint8Array([0x7b, 0x00, 0x7d]));
    const huge = await write("huge.txt", "");
    await truncate(huge, 65 * 1024 * 1024);

    const { logger, lines } = capturingLogger();
    const result = await loadLibrary([dir], logger);

    expect(result.papers.map((paper) => paper.record.title)).toEqual(["Good paper"]);
    expect(result.filesSeen).toBe(7);
    expect(result.skipped).toEqual([
      { path: path.join(dir, "binary.jsonl"), reason: "binary content (NUL bytes), not a text file" },
      { path: path.join(dir, "binary.txt"), reason: "binary content (NUL bytes), not a text file" },
      { path: path.join(dir, "broken.xml"), reason: expect.stringMatching(/^malformed XML \(line 1, column \d+\)/) },
      { path: path.join(dir, "huge.txt"), reason: "file is larger than 64 MB" },
      { path: path.join(dir, "latin1.txt"), reason: "binary content (not valid UTF-8 text)" },
      { path: path.join(dir, "pubmed.xml"), reason: "not a JATS article (root element <PubmedArticleSet>)" },
    ]);
    const warned = warnings(lines).join("\n");
    for (const name of ["binary.jsonl", "binary.txt", "broken.xml", "huge.txt", "latin1.txt", "pubmed.xml"]) {
      expect(warned).toContain(`file=${path.join(dir, name)}`);
    }
  });

  it("reads a real PDF paper, and skips a scanned, a damaged and an oversized PDF with a warning naming each", async () => {
    const paper = await samplePaperPdf();
    await write("papers/fission.pdf", paper);
    await write("papers/scanned.pdf", await imageOnlyPdf());
    await write("papers/damaged.pdf", paper.subarray(0, 400));
    const huge = await write("papers/huge.pdf", "");
    await truncate(huge, 65 * 1024 * 1024);

    const { logger, lines } = capturingLogger();
    const result = await loadLibrary([path.join(dir, "papers")], logger);

    expect(result.papers).toHaveLength(1);
    const [fission] = result.papers;
    // The DOI printed on its first page makes it the same paper as a source's record of that DOI.
    expect(fission?.record).toMatchObject({ id: `doi:${SAMPLE.doi}`, title: SAMPLE.title, ids: { doi: SAMPLE.doi, local: "fission.pdf" } });
    expect(fission?.document.access).toBe("fulltext");
    expect(fission?.document.sections.map((section) => section.path)).toContainEqual(["Results"]);
    expect(fission?.document.references).toHaveLength(SAMPLE.references.length);
    expect(result.skipped).toEqual([
      { path: path.join(dir, "papers", "damaged.pdf"), reason: expect.stringMatching(/^damaged\.pdf is not a readable PDF: /) },
      { path: path.join(dir, "papers", "huge.pdf"), reason: "file is larger than 64 MB" },
      { path: path.join(dir, "papers", "scanned.pdf"), reason: "scanned.pdf has no extractable text (scanned image?)" },
    ]);
    const warned = warnings(lines).join("\n");
    for (const name of ["damaged.pdf", "huge.pdf", "scanned.pdf"]) expect(warned).toContain(`file=${path.join(dir, "papers", name)}`);
  });

  it("skips hidden folders and node_modules, follows symlinks without looping, reads a file given directly once", async () => {
    await write("papers/a.md", "# A\n\nText A.");
    await write("papers/.git/b.md", "# B\n\nHidden.");
    await write("papers/node_modules/pkg/readme.md", "# C\n\nA dependency.");
    await write("papers/.hidden.md", "# D\n\nHidden file.");
    await write("elsewhere/e.txt", "E\n\nText E.");
    await symlink(path.join(dir, "papers"), path.join(dir, "papers", "loop"));
    await symlink(path.join(dir, "elsewhere"), path.join(dir, "papers", "linked"));

    const { logger } = capturingLogger();
    const result = await loadLibrary([path.join(dir, "papers"), path.join(dir, "papers", "a.md")], logger);

    expect(result.papers.map((paper) => paper.record.id)).toEqual(["local:a.md", "local:linked/e.txt"]);
    expect(result.filesSeen).toBe(2);
    expect(result.skipped).toEqual([]);
  });

  it("gives a second file with the same relative path its absolute path as id", async () => {
    await write("one/paper.txt", "One\n\nFirst text.");
    const second = await write("two/paper.txt", "Two\n\nSecond text.");
    const { logger } = capturingLogger();
    const result = await loadLibrary([path.join(dir, "one"), path.join(dir, "two")], logger);
    expect(result.papers.map((paper) => paper.record.id)).toEqual(["local:paper.txt", `local:${second}`]);
  });

  it("keeps the first of repeated corpus ids and loads corpus metadata", async () => {
    const corpus = [
      JSON.stringify({ _id: 7, title: "First", text: "One.", metadata: { pmcid: "PMC99", year: "2019-05-01", authors: "Doe, Jane; Roe, Rick" } }),
      JSON.stringify({ _id: "7", title: "Again", text: "Two." }),
      JSON.stringify({ _id: "8", title: "", text: "Three.", metadata: { title: "From metadata", year: "n/a", journal: 5 } }),
      "",
    ].join("\n");
    await write("c.jsonl", corpus);
    const { logger } = capturingLogger();
    const result = await loadLibrary([path.join(dir, "c.jsonl")], logger);

    expect(result.papers.map((paper) => paper.record.id)).toEqual(["pmcid:PMC99", "local:c.jsonl#7", "local:c.jsonl#8"]);
    expect(result.papers[0]?.record).toMatchObject({ year: 2019, authors: [{ family: "Doe", given: "Jane" }, { family: "Roe", given: "Rick" }] });
    expect(result.papers[2]?.record.title).toBe("From metadata");
    expect(result.papers[2]?.record.year).toBeUndefined();
    expect(result.papers[2]?.record.journal).toBeUndefined();

    await write("d.jsonl", [JSON.stringify({ _id: "1", title: "", text: "Same." }), JSON.stringify({ _id: "1", title: "", text: "Same." })].join("\n"));
    const repeated = await loadLibrary([path.join(dir, "d.jsonl")], logger);
    expect(repeated.papers).toHaveLength(1);
  });

  it("skips a BEIR queries file (no title field) with one warning instead of loading questions as papers", async () => {
    await write("queries.jsonl", [JSON.stringify({ _id: "q1", text: "Is it?" }), JSON.stringify({ _id: "q2", text: "Or not?" })].join("\n"));
    const { logger, lines } = capturingLogger();
    const result = await loadLibrary([path.join(dir, "queries.jsonl")], logger);
    expect(result.papers).toHaveLength(0);
    expect(result.skipped).toEqual([{ path: expect.stringMatching(/queries\.jsonl$/), reason: expect.stringMatching(/^not a BEIR corpus \(line 1: /) }]);
    expect(warnings(lines).filter((line) => line.includes("not a BEIR corpus"))).toHaveLength(1);
  });

  it("loads in the same order every time", async () => {
    for (const name of ["b/2.txt", "a/1.md", "c.txt", "a/0.txt"]) await write(name, `${name}\n\nText of ${name}.`);
    const { logger } = capturingLogger();
    const first = await loadLibrary([dir], logger);
    const second = await loadLibrary([dir], logger);
    const order = first.papers.map((paper) => paper.record.id);
    expect(order).toEqual(["local:a/0.txt", "local:a/1.md", "local:b/2.txt", "local:c.txt"]);
    expect(second.papers.map((paper) => paper.record.id)).toEqual(order);
    expect(await readFile(path.join(dir, "c.txt"), "utf8")).toContain("Text of c.txt");
  });
});
