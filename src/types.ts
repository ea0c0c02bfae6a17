// The plain data that flows through a run: question → records → documents → chunks → review.
// Shapes follow ../shared/docs/DESIGN.md; every stage takes and returns these.

/** Identifiers a paper may carry; at least one is present on every PaperRecord. */
export interface PaperIds {
  doi?: string;
  pmid?: string;
  pmcid?: string;
  arxiv?: string;
  openalex?: string;
  /** Identifier inside a local library (file path, or corpus file + `_id`). */
  local?: string;
}

export interface Author {
  /** Family name, or the whole name when it cannot be split. */
  family: string;
  given?: string;
}

export type SourceName = "library" | "europepmc" | "pubmed" | "pmc" | "openalex" | "arxiv" | "unpaywall";

export interface FoundBy {
  source: SourceName;
  query?: string;
}

/** One paper as the sources describe it. */
export interface PaperRecord {
  /** Stable key used inside a run (e.g. `pmid:21645374`, `doi:10.1/x`, `local:papers/a.md`). */
  id: string;
  ids: PaperIds;
  title: string;
  authors: Author[];
  year?: number;
  journal?: string;
  abstract?: string;
  openAccess?: boolean;
  retracted?: boolean;
  citationCount?: number;
  foundBy: FoundBy[];
  url?: string;
}

export interface Section {
  /** Heading path from the top of the paper, e.g. ["Results", "Mitochondrial dynamics"]. Empty for untitled text. */
  path: string[];
  paragraphs: string[];
}

/** An entry of the paper's own reference list; kept out of ranking, used to follow citations. */
export interface CitedReference {
  label?: string;
  text: string;
  ids: PaperIds;
}

export type Access = "fulltext" | "abstract-only" | "unavailable";

/** What was read of a paper. */
export interface Document {
  paperId: string;
  access: Access;
  /** Why the access is what it is (e.g. "no open-access full text"). */
  accessReason?: string;
  sections: Section[];
  captions: string[];
  references: CitedReference[];
}

/** A library or source item: the metadata and what was read of it. */
export interface LoadedPaper {
  record: PaperRecord;
  document: Document;
}

/** A passage to rank. Offsets are into the section's text as produced by `sectionText`. */
export interface Chunk {
  id: string;
  paperId: string;
  sectionPath: string[];
  /** Index of the section inside Document.sections. */
  sectionIndex: number;
  start: number;
  end: number;
  text: string;
}

export interface RankedChunk {
  chunk: Chunk;
  /** Fused score (reciprocal rank fusion); higher is better. */
  score: number;
  /** 1-based rank in the fused list. */
  rank: number;
}

/** What one ranked chunk contributes to the answer, as the evidence step judged it. */
export interface Evidence {
  /** The short key the language model cites (`E7`). */
  key: string;
  paperId: string;
  chunkId: string;
  sectionPath: string[];
  /** 0–10, the model's judgement of how directly the passage bears on the question. */
  relevance: number;
  /** The facts in the passage that bear on the question, in the model's words. */
  summary: string;
  /** A verbatim span of the chunk (checked); undefined when the model's quote was not in the passage. */
  quote?: string;
}
