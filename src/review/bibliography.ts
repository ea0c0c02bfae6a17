// The cited references as a bibliography file for a reference manager: BibTeX, RIS or CSL-JSON.
// The mapping from our references to CSL-JSON is ours; Citation.js (its BibTeX and RIS plugins,
// which register themselves on import) writes the formats, so escaping is not hand-rolled here.
import type { CslItem } from "@citation-js/core";
import { extname } from "node:path";
import { UsageError } from "../errors.js";
import type { ReviewReference } from "./schema.js";

export const BIBLIOGRAPHY_FORMATS = ["bibtex", "ris", "csljson"] as const;
export type BibliographyFormat = (typeof BIBLIOGRAPHY_FORMATS)[number];

const FORMAT_BY_EXTENSION: Record<string, BibliographyFormat> = { ".bib": "bibtex", ".ris": "ris", ".json": "csljson" };

/** File endings of per-question bibliographies (batch), where `.json` alone would be the review. */
export const BIBLIOGRAPHY_EXTENSION: Record<BibliographyFormat, string> = { bibtex: ".bib", ris: ".ris", csljson: ".csl.json" };

const ACCESS_NOTE: Record<ReviewReference["access"], string> = {
  fulltext: "full text",
  "abstract-only": "abstract only",
  unavailable: "not accessible",
};

/** The format a bibliography file is written in, from its extension. */
export function bibliographyFormatFor(path: string): BibliographyFormat {
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) {
    const known = Object.entries(FORMAT_BY_EXTENSION).map(([extension, name]) => `${extension} (${name})`);
    throw new UsageError(`cannot tell the bibliography format of ${path}: use one of ${known.join(", ")}`);
  }
  return format;
}

/**
 * Characters Citation.js's ASCII BibTeX writer has no TeX for and silently drops (so "β‐catenin"
 * would become "βcatenin"), with the plain text written instead. Measured on @citation-js 0.7.
 */
const BIBTEX_FALLBACKS: Record<string, string> = {
  "\u2032": "'",
  "\u2033": "''",
  "\u2010": "-",
  "\u2011": "-",
  "\u2265": ">=",
  "\u2264": "<=",
  "\u223C": "approx. ",
  "\u2248": "approx. ",
  "\u2206": "\u0394",
};
const BIBTEX_UNWRITABLE = new RegExp(`[${Object.keys(BIBTEX_FALLBACKS).join("")}]`, "g");

function bibtexSafe(text: string): string {
  return text.replace(BIBTEX_UNWRITABLE, (char) => BIBTEX_FALLBACKS[char] ?? char);
}

function bibtexSafeItem(item: CslItem): CslItem {
  const safe: CslItem = { ...item };
  if (item.title !== undefined) safe.title = bibtexSafe(item.title);
  if (item["container-title"] !== undefined) safe["container-title"] = bibtexSafe(item["container-title"]);
  if (item.author) safe.author = item.author.map((name) => ({ ...name, ...(name.family ? { family: bibtexSafe(name.family) } : {}), ...(name.given ? { given: bibtexSafe(name.given) } : {}) }));
  return safe;
}

export async function formatBibliography(references: readonly ReviewReference[], format: BibliographyFormat): Promise<string> {
  const cslItems = references.map(toCslItem);
  const items = format === "bibtex" ? cslItems.map(bibtexSafeItem) : cslItems;
  if (format === "csljson") return `${JSON.stringify(items, null, 2)}\n`;
  // Loaded on use: Citation.js doubles the CLI's start-up time, and most runs write no bibliography.
  const [{ Cite }] = await Promise.all([import("@citation-js/core"), import("@citation-js/plugin-bibtex"), import("@citation-js/plugin-ris")]);
  // Citation.js ends RIS without a final newline; files end with one.
  return `${new Cite(items).format(format, { format: "text" }).trimEnd()}\n`;
}

/** The citation key is `ref<n>`, so that an entry matches the [n] that cites it in the review. */
export function toCslItem(reference: ReviewReference): CslItem {
  const key = `ref${reference.number}`;
  const { ids } = reference;
  // BibTeX and RIS have no field for PubMed or arXiv ids, so the note carries them in every format.
  const identifiers = [
    ids.pmid && `PMID: ${ids.pmid}`,
    ids.pmcid && `PMCID: ${ids.pmcid}`,
    ids.arxiv && `arXiv: ${ids.arxiv}`,
  ].filter((part): part is string => Boolean(part));
  const item: CslItem = {
    id: key,
    "citation-key": key,
    type: "article-journal",
    note: [...identifiers, `access: ${ACCESS_NOTE[reference.access]}`].join("; "),
  };
  // Library papers can lack a title; an empty field would only clutter the entry.
  if (reference.title !== "") item.title = reference.title;
  if (reference.authors.length > 0) item.author = reference.authors.map(({ family, given }) => (given === undefined ? { family } : { family, given }));
  if (reference.year !== undefined) item.issued = { "date-parts": [[reference.year]] };
  if (reference.journal !== undefined) item["container-title"] = reference.journal;
  if (ids.doi !== undefined) item.DOI = ids.doi;
  if (ids.pmid !== undefined) item.PMID = ids.pmid;
  if (ids.pmcid !== undefined) item.PMCID = ids.pmcid;
  if (reference.url !== undefined) item.URL = reference.url;
  return item;
}
