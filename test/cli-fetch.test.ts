import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJats } from "../src/fulltext/jats.js";
import { escapeInline } from "../src/review/markdown.js";
import { runCli } from "./helpers/cli.js";
import { makeTempDir } from "./helpers/temp.js";

const ARTICLES = [
  "fixtures/jats/pmc-jats-PMC3166277.xml", // JATS 1.0
  "fixtures/jats/europepmc-fulltextxml-PMC13205833.xml", // JATS 1.4
  "fixtures/jats/pmc-jats-PMC1790863.xml", // NLM 2.3
];

describe("litreview fetch FILE", () => {
  it.each(ARTICLES)("prints %s as Markdown with every heading and paragraph and no reference-list text", async (file) => {
    const expected = parseJats(readFileSync(file, "utf8"), file);
    const result = await runCli(["fetch", file, "--format", "md"]);
    expect(result.code).toBe(0);
    for (const section of expected.document.sections) {
      for (const heading of section.path) expect(result.stdout).toContain(`# ${escapeInline(heading)}\n`);
      for (const paragraph of section.paragraphs) expect(result.stdout).toContain(escapeInline(paragraph));
    }
    const firstReference = expected.document.references[0]?.text ?? "";
    expect(firstReference.length).toBeGreaterThan(20);
    expect(result.stdout).not.toContain(escapeInline(firstReference));
    expect(result.stdout).toContain(`Reference list: ${expected.document.references.length} entries`);
  });

  it("prints the parsed article as JSON, with the references kept apart from the sections", async () => {
    const result = await runCli(["fetch", "fixtures/jats/pmc-jats-PMC1790863.xml", "--format", "json"]);
    expect(result.code).toBe(0);
    const paper = JSON.parse(result.stdout);
    expect(paper.record).toMatchObject({ id: "pmid:17299597", journal: "PLoS ONE", year: 2007 });
    expect(paper.document.access).toBe("fulltext");
    expect(paper.document.references).toHaveLength(33);
    expect(paper.document.sections.map((section: { path: string[] }) => section.path[0])).toContain("Introduction");
  });

  it("fails with one line for an unreadable file", async () => {
    const file = join(makeTempDir(), "broken.xml");
    writeFileSync(file, "<article><front><article-meta>");
    const result = await runCli(["fetch", file]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(/^litreview: error: could not read an article from .*broken\.xml: /);
  });
});
