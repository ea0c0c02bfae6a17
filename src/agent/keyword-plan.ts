// Search queries from the question itself, without a language model: its content words, written in
// each source's own syntax. A strict query (every word) comes first; when it finds too little, a
// broad one (any word, ranked by the source's relevance) widens the net.
import type { SearchSource } from "../config.js";
import { STOP_WORDS } from "../index/stopwords.js";

/** Words that frame a question rather than name its topic. */
const QUESTION_WORDS = new Set([
  "whether", "affect", "affects", "effect", "effects", "role", "associated", "association", "influence", "impact",
  "regulate", "regulates", "study", "studies", "evidence", "known", "using", "use", "used",
]);

/** Most important words are usually the nouns of the question; more than this over-constrains a strict query. */
const MAX_TERMS = 6;

/** The question's content words, in order, without duplicates (hyphenated names such as BCL-2 stay whole). */
export function questionTerms(question: string): string[] {
  const words = question.match(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? [];
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const word of words) {
    const lower = word.toLowerCase();
    if (STOP_WORDS.has(lower) || QUESTION_WORDS.has(lower) || lower.length < 2 || /^\d{1,2}$/.test(lower) || seen.has(lower)) continue;
    seen.add(lower);
    terms.push(word);
  }
  return terms.slice(0, MAX_TERMS);
}

/** A term as a phrase when it has spaces or punctuation; double quotes inside it are dropped. */
export function quotePhrase(term: string): string {
  const clean = term.replaceAll('"', "").trim();
  return /[^\p{L}\p{N}]/u.test(clean) ? `"${clean}"` : clean;
}

export type QueryBreadth = "all" | "any";

/** The terms as one query in the source's syntax: every term required (`all`) or any term (`any`). */
export function renderKeywordQuery(source: SearchSource, terms: readonly string[], breadth: QueryBreadth): string {
  const quoted = terms.map(quotePhrase);
  switch (source) {
    case "europepmc":
    case "pubmed":
      return quoted.join(breadth === "all" ? " AND " : " OR ");
    case "openalex":
      return breadth === "all" ? quoted.join(" ") : quoted.join(" OR ");
    case "arxiv":
      return quoted.map((term) => `all:${term}`).join(breadth === "all" ? " AND " : " OR ");
  }
}
