import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Cite, type CslItem } from "@citation-js/core";
// Registered here too, so that reading back does not depend on the module under test having loaded them.
import "@citation-js/plugin-bibtex";
import "@citation-js/plugin-ris";
import { describe, expect, it } from "vitest";
import { BIBLIOGRAPHY_FORMATS, bibliographyFormatFor, formatBibliography } from "../src/review/bibliography.js";
import { UsageError } from "../src/errors.js";
import { ReviewSchema, type ReviewReference } from "../src/review/schema.js";
import { runCli } from "./helpers/cli.js";
import { makeTempDir } from "./helpers/temp.js";

const REFERENCES: ReviewReference[] = [
  {
    number: 1,
    paperId: "pmid:21645374",
    ids: { doi: "10.1186/1471-2229-11-102", pmid: "21645374", pmcid: "PMC3136456" },
    title: "Mitochondrial dynamics {in} lace plant & 100% of PCD: Müller's café",
    authors: [{ family: "Lord", given: "Christina E N" }, { family: "Gunawardena", given: "Arunika H L A N" }],
    year: 2011,
    journal: "BMC Plant Biology",
    url: "https://doi.org/10.1186/1471-2229-11-102",
    access: "fulltext",
  },
  {
    number: 2,
    paperId: "pmid:12345678",
    ids: { pmid: "12345678" },
    title: "Ångström-scale $effects_1$ on #cells ~ in vitro",
    authors: [{ family: "Ødegård" }, { family: "de la Cruz", given: "José" }],
    year: 1999,
    access: "abstract-only",
  },
];

function parsedBack(text: string): CslItem[] {
  return new Cite(text).data;
}

/** Authors as our references hold them: a BibTeX "von" part is read back as a particle, so it is joined again. */
function authorsOf(item: CslItem | undefined): { family: string; given?: string }[] {
  return (item?.author ?? []).map((author) => {
    const particle = author["non-dropping-particle"] ?? author["dropping-particle"];
    const family = [particle, author.family].filter(Boolean).join(" ");
    return author.given === undefined ? { family } : { family, given: author.given };
  });
}

function yearOf(item: CslItem | undefined): number | undefined {
  const year = item?.issued?.["date-parts"]?.[0]?.[0];
  return year === undefined ? undefined : Number(year);
}

describe("formatBibliography", () => {
  it.each(BIBLIOGRAPHY_FORMATS)("writes %s that Citation.js reads back as the same references", async (format) => {
    const text = await formatBibliography(REFERENCES, format);
    const items = parsedBack(text);
    expect(items).toHaveLength(2);
    for (const [index, reference] of REFERENCES.entries()) {
      const item = items[index];
      expect(item?.title).toBe(reference.title);
      expect(yearOf(item)).toBe(reference.year);
      expect(authorsOf(item)).toEqual(reference.authors);
      expect(item?.note).toContain(`PMID: ${reference.ids.pmid}`);
    }
    expect(items[0]?.DOI).toBe("10.1186/1471-2229-11-102");
    expect(items[0]?.["container-title"]).toBe("BMC Plant Biology");
    expect(items[0]?.URL).toBe("https://doi.org/10.1186/1471-2229-11-102");
    expect(items[0]?.note).toContain("access: full text");
    expect(items[1]?.note).toContain("access: abstract only");
    expect(items[1]?.DOI).toBeUndefined();
  });

  it("keys BibTeX entries by reference number and escapes TeX specials instead of writing them raw", async () => {
    const bibtex = await formatBibliography(REFERENCES, "bibtex");
    expect(bibtex).toMatch(/^@article\{ref1,/m);
    expect(bibtex).toMatch(/^@article\{ref2,/m);
    expect(bibtex).toContain("\\&");
    expect(bibtex).toContain("\\%");
    expect(bibtex).not.toMatch(/[^\\]%/);
  });

  it("loses no character of a title in BibTeX: primes, non-breaking hyphens and relations the writer has no TeX for are spelled out", async () => {
    const [first] = REFERENCES;
    if (!first) throw new Error("no reference");
    const title = "2,2′,4,4′-Tetrabromodiphenyl ether and β‐catenin at ≥5 µM (∼2 h)";
    const [item] = parsedBack(await formatBibliography([{ ...first, title }], "bibtex"));
    expect(item?.title).toBe("2,2',4,4'-Tetrabromodiphenyl ether and β-catenin at >=5 μM (approx. 2 h)");
    // RIS and CSL-JSON are UTF-8 and keep the title as it is.
    expect(parsedBack(await formatBibliography([{ ...first, title }], "ris"))[0]?.title).toBe(title);
  });

  it("writes CSL-JSON with the PubMed ids as fields and the citation key as id", async () => {
    const items = JSON.parse(await formatBibliography(REFERENCES, "csljson")) as CslItem[];
    expect(items.map((item) => item.id)).toEqual(["ref1", "ref2"]);
    expect(items[0]).toMatchObject({ type: "article-journal", PMID: "21645374", PMCID: "PMC3136456", issued: { "date-parts": [[2011]] } });
  });

  it("writes an empty but valid file when nothing was cited", async () => {
    expect(JSON.parse(await formatBibliography([], "csljson"))).toEqual([]);
    expect(parsedBack(await formatBibliography([], "ris"))).toEqual([]);
  });
});

describe("bibliographyFormatFor", () => {
  it("chooses the format from the extension, whatever its case", () => {
    expect(bibliographyFormatFor("out/refs.bib")).toBe("bibtex");
    expect(bibliographyFormatFor("refs.RIS")).toBe("ris");
    expect(bibliographyFormatFor("refs.json")).toBe("csljson");
  });

  it("refuses other extensions with a usage error listing the known ones", () => {
    expect(() => bibliographyFormatFor("refs.txt")).toThrow(UsageError);
    expect(() => bibliographyFormatFor("refs")).toThrow(/\.bib \(bibtex\), \.ris \(ris\), \.json \(csljson\)/);
  });
});

const LACE_PLANT = "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?";
const PUBMEDQA_ASK = ["ask", LACE_PLANT, "--library", "fixtures/pubmedqa/corpus.jsonl", "--sources", "none", "--no-llm"];

describe("litreview ask --bib", () => {
  it("writes the review's cited references as BibTeX next to the review", async () => {
    const dir = makeTempDir("litreview-bib-");
    const bib = join(dir, "out.bib");
    const result = await runCli([...PUBMEDQA_ASK, "--format", "json", "--bib", bib]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`bibliography written to ${bib}`);
    const review = ReviewSchema.parse(JSON.parse(result.stdout));
    expect(review.references.length).toBeGreaterThan(0);
    const items = parsedBack(readFileSync(bib, "utf8"));
    // Library papers may have no title or year; then the entry has none either.
    expect(items.map((item) => item.title ?? "")).toEqual(review.references.map((reference) => reference.title));
    expect(items.map(yearOf)).toEqual(review.references.map((reference) => reference.year));
    expect(items.map(authorsOf)).toEqual(review.references.map((reference) => reference.authors));
    expect(items.map((item) => item.id)).toEqual(review.references.map((reference) => `ref${reference.number}`));
    expect(items[0]?.note).toContain("PMID: 21645374");
    expect(items[0]?.URL).toBe("https://pubmed.ncbi.nlm.nih.gov/21645374/");
  });

  it("refuses an unknown bibliography extension with exit code 2 before running", async () => {
    const dir = makeTempDir("litreview-bib-");
    const result = await runCli([...PUBMEDQA_ASK, "--bib", join(dir, "out.txt")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot tell the bibliography format of .*out\.txt: use one of \.bib/);
    expect(result.stdout).toBe("");
  });
});
