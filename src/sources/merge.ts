// One record per paper, whichever sources found it. Records are the same paper when they share a
// DOI, PMID, PMCID, arXiv id or OpenAlex id, or (for records with no shared id) the same
// normalised title and year. The merged record keeps the richest metadata of its parts and every
// source and query that found it.
import { paperUrl, recordIdFor } from "../fulltext/paper.js";
import type { FoundBy, PaperIds, PaperRecord } from "../types.js";

const ID_KINDS = ["doi", "pmid", "pmcid", "arxiv", "openalex"] as const;

/** Titles shorter than this are too generic ("Editorial", "Reply") to identify a paper. */
const MIN_TITLE_KEY_LENGTH = 20;

/** Lowercased, accents and punctuation dropped, whitespace collapsed. */
export function normaliseTitle(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/<[^>]+>/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Every key under which a record can meet its duplicates. */
export function identityKeys(record: PaperRecord): string[] {
  const keys: string[] = [];
  for (const kind of ID_KINDS) {
    const value = record.ids[kind];
    if (value) keys.push(`${kind}:${kind === "doi" || kind === "arxiv" ? value.toLowerCase() : value}`);
  }
  const title = normaliseTitle(record.title);
  if (title.length >= MIN_TITLE_KEY_LENGTH && record.year !== undefined) keys.push(`title:${title}|${record.year}`);
  return keys;
}

/** Merge duplicates, in order of first appearance. */
export function mergeRecords(records: readonly PaperRecord[]): PaperRecord[] {
  // Union-find over record positions: records sharing any key end in one group, even transitively
  // (a Europe PMC record with PMID+DOI joins a PubMed record by PMID and an OpenAlex one by DOI).
  const parent = records.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[index] !== root) {
      const next = parent[index] as number;
      parent[index] = root;
      index = next;
    }
    return root;
  };
  const owner = new Map<string, number>();
  records.forEach((record, index) => {
    for (const key of identityKeys(record)) {
      const seen = owner.get(key);
      if (seen === undefined) owner.set(key, index);
      else {
        const [a, b] = [find(seen), find(index)];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, PaperRecord[]>();
  records.forEach((record, index) => {
    const root = find(index);
    groups.set(root, [...(groups.get(root) ?? []), record]);
  });
  return [...groups.values()].map(combineRecords);
}

/** The richest view of one paper from several records of it (the first record wins ties). */
export function combineRecords(parts: readonly PaperRecord[]): PaperRecord {
  const [first, ...rest] = parts;
  if (!first) throw new RangeError("combineRecords needs at least one record");
  if (rest.length === 0) return first;
  const ids: PaperIds = {};
  for (const part of parts) {
    for (const [kind, value] of Object.entries(part.ids) as [keyof PaperIds, string | undefined][]) {
      if (value && ids[kind] === undefined) ids[kind] = value;
    }
  }
  const pick = <K extends keyof PaperRecord>(key: K): PaperRecord[K] | undefined => parts.find((part) => part[key] !== undefined)?.[key];
  const longest = (values: (string | undefined)[]) =>
    values.reduce<string | undefined>((best, value) => (value && value.length > (best?.length ?? 0) ? value : best), undefined);
  const title = longest(parts.map((part) => part.title)) ?? "";
  const abstract = longest(parts.map((part) => part.abstract));
  const authors = parts.reduce((best, part) => (part.authors.length > best.length ? part.authors : best), first.authors);
  const counts = parts.flatMap((part) => (part.citationCount === undefined ? [] : [part.citationCount]));
  const year = pick("year");
  const journal = pick("journal");
  const openAccess = parts.some((part) => part.openAccess === true) ? true : pick("openAccess");
  const retracted = parts.some((part) => part.retracted === true) ? true : pick("retracted");
  const url = paperUrl(ids) ?? pick("url");
  return {
    id: recordIdFor(ids),
    ids,
    title,
    authors,
    ...(year !== undefined ? { year } : {}),
    ...(journal !== undefined ? { journal } : {}),
    ...(abstract !== undefined ? { abstract } : {}),
    ...(openAccess !== undefined ? { openAccess } : {}),
    ...(retracted !== undefined ? { retracted } : {}),
    ...(counts.length > 0 ? { citationCount: Math.max(...counts) } : {}),
    foundBy: uniqueFoundBy(parts.flatMap((part) => part.foundBy)),
    ...(url !== undefined ? { url } : {}),
  };
}

function uniqueFoundBy(entries: FoundBy[]): FoundBy[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = `${entry.source}\u0000${entry.query ?? ""}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
