// Query planning: the model turns the question into structured keyword queries (required concepts
// with synonyms, optional terms with weights, an optional year range), which are written in each
// source's own syntax here, in code.
import { z } from "zod";
import type { SearchSource } from "../config.js";
import type { LlmClient } from "../llm/types.js";
import { questionTerms, quotePhrase } from "./keyword-plan.js";

const TermSchema = z.string().trim().min(1).max(80);

export const PlannedQuerySchema = z.object({
  /** Concepts every result must match; each with its synonyms (any of which may match). */
  must: z.array(z.object({ term: TermSchema, synonyms: z.array(TermSchema).max(6) })).min(1).max(4),
  /** Terms that make a result better, each with a weight from 0 to 1. */
  should: z.array(z.object({ term: TermSchema, weight: z.number().min(0).max(1) })).max(6),
  yearFrom: z.int().min(1800).max(2100).nullable(),
  yearTo: z.int().min(1800).max(2100).nullable(),
});
export type PlannedQuery = z.infer<typeof PlannedQuerySchema>;

export const PlanSchema = z.object({ queries: z.array(PlannedQuerySchema).min(1).max(6) });

const PLAN_SYSTEM = [
  "You plan literature searches in scholarly databases (Europe PMC, PubMed, OpenAlex, arXiv) for a research question.",
  "Write several complementary keyword queries: each has 1 to 4 required concepts (each a short keyword or phrase,",
  "with synonyms, abbreviations and spelling variants that may replace it), optional terms with weights from 0 to 1,",
  "and a publication year range only when the question asks for one (otherwise null).",
  "Prefer specific technical terms (gene and protein names, organisms, methods) over generic words such as 'effect' or 'role'.",
  "Vary the queries: a precise one, a broader one, and ones that reach the same evidence through different vocabulary.",
].join(" ");

/**
 * Queries for the question (and, after the first round, for what the evidence is still missing).
 * Falls back to the question's own content words when the model gives no usable plan.
 */
export async function planQueries(
  question: string,
  llm: LlmClient,
  options: { count: number; missing?: readonly string[]; previous?: readonly PlannedQuery[]; signal?: AbortSignal },
): Promise<{ queries: PlannedQuery[]; fromModel: boolean }> {
  const parts = [`Research question: ${question}`, `Write ${options.count} queries.`];
  if (options.missing && options.missing.length > 0) parts.push(`The evidence found so far is missing: ${options.missing.join("; ")}. Target that.`);
  if (options.previous && options.previous.length > 0) {
    parts.push(`Queries already run (do not repeat them): ${options.previous.map(describeQuery).join(" | ")}`);
  }
  const result = await llm.complete({
    step: "plan",
    role: "main",
    system: PLAN_SYSTEM,
    user: parts.join("\n"),
    schema: PlanSchema,
    schemaName: "search_plan",
    temperature: 0.2,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.ok) return { queries: result.value.queries.slice(0, options.count), fromModel: true };
  return { queries: keywordQueries(question), fromModel: false };
}

/** A one-query plan from the question's content words: all required, no synonyms. */
export function keywordQueries(question: string): PlannedQuery[] {
  const terms = questionTerms(question);
  if (terms.length === 0) return [];
  return [{ must: terms.slice(0, 4).map((term) => ({ term, synonyms: [] })), should: terms.slice(4).map((term) => ({ term, weight: 0.5 })), yearFrom: null, yearTo: null }];
}

/** Every word of the query (required, synonyms and optional terms), for ranking and screening. */
export function queryText(query: PlannedQuery): string {
  return [...query.must.flatMap((concept) => [concept.term, ...concept.synonyms]), ...query.should.map((term) => term.term)].join(" ");
}

function describeQuery(query: PlannedQuery): string {
  return query.must.map((concept) => [concept.term, ...concept.synonyms].join("/")).join(" AND ");
}

/** The planned query in the source's own syntax. */
export function renderPlannedQuery(source: SearchSource, query: PlannedQuery): string {
  const field = (term: string) => {
    switch (source) {
      case "pubmed":
        return `${quotePhrase(term)}[tiab]`;
      case "arxiv":
        return `all:${quotePhrase(term)}`;
      case "europepmc":
      case "openalex":
        return quotePhrase(term);
    }
  };
  const concepts = query.must.map((concept) => {
    const alternatives = [...new Set([concept.term, ...concept.synonyms])].map(field);
    return alternatives.length === 1 ? (alternatives[0] as string) : `(${alternatives.join(" OR ")})`;
  });
  const years = yearClause(source, query);
  return [...concepts, ...(years ? [years] : [])].join(" AND ");
}

function yearClause(source: SearchSource, query: PlannedQuery): string | undefined {
  if (query.yearFrom === null && query.yearTo === null) return undefined;
  const from = query.yearFrom ?? 1800;
  const to = query.yearTo ?? 3000;
  switch (source) {
    case "europepmc":
      return `PUB_YEAR:[${from} TO ${to}]`;
    case "pubmed":
      return `("${from}"[dp] : "${to}"[dp])`;
    case "arxiv":
      return `submittedDate:[${from}01010000 TO ${to}12312359]`;
    case "openalex":
      // OpenAlex takes years as a filter parameter, not in the search text: its results are not limited by year.
      return undefined;
  }
}
