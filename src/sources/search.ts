// One way to search any scholarly source by name.
import type { SearchSource } from "../config.js";
import { searchArxiv } from "./arxiv.js";
import type { SourceContext, SourceSearchResult } from "./context.js";
import { searchEuropePmc } from "./europepmc.js";
import { searchPubMed } from "./ncbi.js";
import { searchOpenAlex } from "./openalex.js";

const SEARCHERS: Record<SearchSource, (context: SourceContext, query: string, limit: number) => Promise<SourceSearchResult>> = {
  europepmc: searchEuropePmc,
  pubmed: searchPubMed,
  openalex: searchOpenAlex,
  arxiv: searchArxiv,
};

/** The query in the source's own syntax; at most `limit` records, best first as the source ranks them. */
export function searchSource(context: SourceContext, source: SearchSource, query: string, limit: number): Promise<SourceSearchResult> {
  return SEARCHERS[source](context, query, limit);
}

/** The query restricted to open-access papers, in the syntax of sources that can filter on it. */
export function openAccessQuery(source: SearchSource, query: string): string {
  switch (source) {
    case "europepmc":
      return `(${query}) AND OPEN_ACCESS:y`;
    case "pubmed":
      return `(${query}) AND free full text[sb]`;
    case "openalex":
    case "arxiv":
      return query;
  }
}
