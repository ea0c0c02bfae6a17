// What every reader (JATS, Markdown, plain text, corpus lines) shares once it has pulled the
// pieces out of its format: identifier rules, author and year parsing, and the assembly of a
// LoadedPaper with its access level.
import path from "node:path";

import type { Author, CitedReference, LoadedPaper, PaperIds, Section } from "../types.js";

/** Runs of whitespace (any kind, including no-break spaces and newlines) become one space; ends are trimmed. */
export function normaliseWhitespace(text: string): string {
  // Matching only what must change (not every single space) keeps large corpora fast.
  return text.replace(/\s{2,}|[^\S ]/g, " ").trim();
}

/** A bare DOI (`10.x/y`) from a DOI, `doi:` form or doi.org URL; undefined when it is not one. */
export function normaliseDoi(raw: string): string | undefined {
  const doi = raw.trim().replace(/^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:\s*)/i, "");
  return /^10\.\d{4,9}\/\S+$/.test(doi) ? doi : undefined;
}

export function normalisePmid(raw: string | number): string | undefined {
  const pmid = String(raw).trim();
  return /^\d{1,9}$/.test(pmid) && !/^0+$/.test(pmid) ? pmid : undefined;
}

/** `PMC123` from `PMC123`, `pmc123` or `123`. */
export function normalisePmcid(raw: string | number): string | undefined {
  const digits = /^(?:pmc)?(\d{1,9})$/i.exec(String(raw).trim())?.[1];
  return digits === undefined ? undefined : `PMC${digits}`;
}

/** `1605.08386` or `astro-ph/0601001` from an arXiv id, `arXiv:` form or arxiv.org URL, without its version. */
export function normaliseArxivId(raw: string): string | undefined {
  const id = raw
    .trim()
    .replace(/^arxiv:\s*/i, "")
    .replace(/^https?:\/\/(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i, "")
    .replace(/\.pdf$/i, "")
    .replace(/v\d+$/i, "");
  return /^\d{4}\.\d{4,5}$/.test(id) || /^[a-z]+(?:-[a-z]+)*(?:\.[a-z]{2})?\/\d{7}$/i.test(id) ? id : undefined;
}

/** `W2741809807` from a work id or its openalex.org URL. */
export function normaliseOpenAlexId(raw: string): string | undefined {
  const digits = /^(?:https?:\/\/(?:api\.)?openalex\.org\/(?:works\/)?)?w(\d{1,12})$/i.exec(raw.trim())?.[1];
  return digits === undefined ? undefined : `W${digits}`;
}

export interface RawIds {
  doi?: string | undefined;
  pmid?: string | number | undefined;
  pmcid?: string | number | undefined;
  arxiv?: string | undefined;
  openalex?: string | undefined;
}

/** Normalised identifiers; values that are not valid identifiers are dropped. */
export function cleanIds(raw: RawIds): PaperIds {
  const ids: PaperIds = {};
  const doi = raw.doi === undefined ? undefined : normaliseDoi(raw.doi);
  const pmid = raw.pmid === undefined ? undefined : normalisePmid(raw.pmid);
  const pmcid = raw.pmcid === undefined ? undefined : normalisePmcid(raw.pmcid);
  const arxiv = raw.arxiv === undefined ? undefined : normaliseArxivId(raw.arxiv);
  const openalex = raw.openalex === undefined ? undefined : normaliseOpenAlexId(raw.openalex);
  if (doi) ids.doi = doi;
  if (pmid) ids.pmid = pmid;
  if (pmcid) ids.pmcid = pmcid;
  if (arxiv) ids.arxiv = arxiv;
  if (openalex) ids.openalex = openalex;
  return ids;
}

/**
 * The run-wide key: PMID, else PMCID, else DOI (lowercased, DOIs are case-insensitive), else the
 * arXiv id, else the OpenAlex id, else the local id.
 */
export function recordIdFor(ids: PaperIds): string {
  if (ids.pmid) return `pmid:${ids.pmid}`;
  if (ids.pmcid) return `pmcid:${ids.pmcid}`;
  if (ids.doi) return `doi:${ids.doi.toLowerCase()}`;
  if (ids.arxiv) return `arxiv:${ids.arxiv}`;
  if (ids.openalex) return `openalex:${ids.openalex}`;
  return `local:${ids.local ?? "unknown"}`;
}

export function paperUrl(ids: PaperIds): string | undefined {
  if (ids.doi) return `https://doi.org/${ids.doi}`;
  if (ids.pmcid) return `https://pmc.ncbi.nlm.nih.gov/articles/${ids.pmcid}/`;
  if (ids.pmid) return `https://pubmed.ncbi.nlm.nih.gov/${ids.pmid}/`;
  if (ids.arxiv) return `https://arxiv.org/abs/${ids.arxiv}`;
  if (ids.openalex) return `https://openalex.org/${ids.openalex}`;
  return undefined;
}

/** "Family, Given" or "Given Family"; a single word is a family name. */
export function parseAuthorName(raw: string): Author | undefined {
  const name = normaliseWhitespace(raw);
  if (name === "") return undefined;
  const comma = name.indexOf(",");
  if (comma > 0) {
    const family = name.slice(0, comma).trim();
    const given = name.slice(comma + 1).trim();
    return given ? { family, given } : { family };
  }
  const lastSpace = name.lastIndexOf(" ");
  if (lastSpace < 0) return { family: name };
  return { family: name.slice(lastSpace + 1), given: name.slice(0, lastSpace) };
}

/** A list of names, or one string of names separated by `;` (or by `,` when there is no `;`). */
export function parseAuthorList(value: string | string[] | undefined): Author[] {
  if (value === undefined) return [];
  const names = Array.isArray(value) ? value : value.split(value.includes(";") ? ";" : ",");
  return names.map(parseAuthorName).filter((author): author is Author => author !== undefined);
}

/**
 * Medline's "Doe J, van der Berg AB, Hambrick GW Jr." form (Europe PMC author strings, PubMed
 * summaries): family name first, then initials; a generational suffix is dropped.
 */
export function parseInitialsAuthors(names: string | string[] | undefined): Author[] {
  if (names === undefined) return [];
  const list = Array.isArray(names) ? names : names.replace(/\.\s*$/, "").split(/,\s*/);
  return list.flatMap((name): Author[] => {
    const trimmed = normaliseWhitespace(name).replace(/^(.+\s\p{Lu}{1,4})\s+(?:Jr|Sr|2nd|3rd|4th|II|III|IV)\.?$/u, "$1");
    const match = /^(.+?)\s+(\p{Lu}{1,4})$/u.exec(trimmed);
    if (match?.[1] && match[2]) return [{ family: match[1], given: match[2] }];
    return trimmed ? [{ family: trimmed }] : [];
  });
}

/** A plausible publication year from `2021`, `"2021"` or a date such as `2021-09-13`. */
export function parseYear(raw: unknown): number | undefined {
  if (typeof raw !== "string" && typeof raw !== "number") return undefined;
  const match = /(?:^|\D)(\d{4})(?:\D|$)/.exec(String(raw).trim());
  if (!match?.[1]) return undefined;
  const year = Number(match[1]);
  return year >= 1000 && year <= 2999 ? year : undefined;
}

/** The file name without directories or extension, used when a document names no title. */
export function fileTitle(origin: string): string {
  const base = path.posix.basename(origin.replaceAll("\\", "/"));
  const extension = path.posix.extname(base);
  return extension && extension !== base ? base.slice(0, -extension.length) : base;
}

/** The pieces a reader extracted from one paper. */
export interface PaperContent {
  /** Identifier inside the library (`papers/a.md`, `corpus.jsonl#42`); the record id when there is no other. */
  localId: string;
  ids: PaperIds;
  title: string;
  authors: Author[];
  year?: number | undefined;
  journal?: string | undefined;
  openAccess?: boolean | undefined;
  abstractSections: Section[];
  bodySections: Section[];
  captions?: string[];
  references?: CitedReference[];
  /** Why nothing could be read, when neither abstract nor body holds text. */
  noTextReason: string;
}

export function assemblePaper(content: PaperContent): LoadedPaper {
  const ids: PaperIds = { ...content.ids, local: content.localId };
  const id = recordIdFor(ids);
  const abstractSections = nonEmpty(content.abstractSections);
  const bodySections = nonEmpty(content.bodySections);
  const abstract = abstractText(abstractSections);
  const url = paperUrl(ids);
  const record: LoadedPaper["record"] = {
    id,
    ids,
    title: content.title,
    authors: content.authors,
    foundBy: [{ source: "library" }],
    ...(content.year !== undefined && { year: content.year }),
    ...(content.journal && { journal: content.journal }),
    ...(abstract && { abstract }),
    ...(content.openAccess !== undefined && { openAccess: content.openAccess }),
    ...(url && { url }),
  };
  const document: LoadedPaper["document"] = {
    paperId: id,
    access: "unavailable",
    sections: [...abstractSections, ...bodySections],
    captions: content.captions ?? [],
    references: content.references ?? [],
  };
  if (bodySections.length > 0) {
    document.access = "fulltext";
  } else if (abstractSections.length > 0) {
    document.access = "abstract-only";
    document.accessReason = "only the abstract is available";
  } else {
    document.accessReason = content.noTextReason;
  }
  return { record, document };
}

function nonEmpty(sections: Section[]): Section[] {
  return sections
    .map((section) => ({ path: section.path, paragraphs: section.paragraphs.filter((paragraph) => paragraph !== "") }))
    .filter((section) => section.paragraphs.length > 0);
}

/** The abstract as one string; sub-headings of a structured abstract lead their first paragraph ("Methods: …"). */
function abstractText(sections: Section[]): string | undefined {
  const parts = sections.map((section) => {
    const heading = section.path.length > 1 ? section.path[section.path.length - 1] : undefined;
    const text = section.paragraphs.join(" ");
    return heading ? `${heading}: ${text}` : text;
  });
  return parts.length > 0 ? parts.join(" ") : undefined;
}
