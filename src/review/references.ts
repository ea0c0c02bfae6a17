// Reference numbers are handed out in order of first citation, and the reference list is built
// from source metadata only, so every number in the text appears exactly once in the list and
// nothing else does.
import { paperUrl } from "../fulltext/paper.js";
import type { Document, PaperRecord } from "../types.js";
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
  access: ReadonlyMap<string, Pick<Document, "access" | "accessReason">>,
): ReviewReference[] {
  return registry.citedPaperIds().map((paperId, index) => {
    const record = records.get(paperId);
    if (!record) throw new Error(`internal: cited paper ${paperId} has no record`);
    const url = record.url ?? paperUrl(record.ids);
    return {
      number: index + 1,
      paperId,
      ids: { ...record.ids },
      title: record.title,
      authors: record.authors.map((author) => ({ ...author })),
      ...(record.year !== undefined ? { year: record.year } : {}),
      ...(record.journal ? { journal: record.journal } : {}),
      ...(url ? { url } : {}),
      access: access.get(paperId)?.access ?? "unavailable",
      ...(access.get(paperId)?.accessReason ? { accessReason: access.get(paperId)?.accessReason } : {}),
    };
  });
}
