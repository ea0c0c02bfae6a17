// Reference numbers are handed out in order of first citation, and the reference list is built
// from source metadata only, so every number in the text appears exactly once in the list and
// nothing else does.
import type { Access, PaperRecord } from "../types.js";
import type { ReviewReference } from "./schema.js";

export class CitationRegistry {
  private readonly numbers = new Map<string, number>();

  /** The reference number for a paper, assigning the next one on first use. */
  cite(paperId: string): number {
    let number = this.numbers.get(paperId);
    if (number === undefined) {
      number = this.numbers.size + 1;
      this.numbers.set(paperId, number);
    }
    return number;
  }

  /** Paper ids in citation order. */
  citedPaperIds(): string[] {
    return [...this.numbers.keys()];
  }
}

export function buildReferences(
  registry: CitationRegistry,
  records: ReadonlyMap<string, PaperRecord>,
  access: ReadonlyMap<string, Access>,
): ReviewReference[] {
  return registry.citedPaperIds().map((paperId, index) => {
    const record = records.get(paperId);
    if (!record) throw new Error(`internal: cited paper ${paperId} has no record`);
    return {
      number: index + 1,
      paperId,
      ids: { ...record.ids },
      title: record.title,
      authors: record.authors.map((author) => ({ ...author })),
      ...(record.year !== undefined ? { year: record.year } : {}),
      ...(record.journal ? { journal: record.journal } : {}),
      ...(referenceUrl(record) ? { url: referenceUrl(record) } : {}),
      access: access.get(paperId) ?? "unavailable",
    };
  });
}

function referenceUrl(record: PaperRecord): string | undefined {
  if (record.url) return record.url;
  const { doi, pmid, pmcid, arxiv } = record.ids;
  if (doi) return `https://doi.org/${doi}`;
  if (pmcid) return `https://pmc.ncbi.nlm.nih.gov/articles/${pmcid}/`;
  if (pmid) return `https://pubmed.ncbi.nlm.nih.gov/${pmid}/`;
  if (arxiv) return `https://arxiv.org/abs/${arxiv}`;
  return undefined;
}
