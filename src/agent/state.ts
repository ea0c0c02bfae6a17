// The state of a review between stages, as plain JSON-safe data: what a run directory keeps so that
// an interrupted run can go on from the last completed stage. The pipeline only produces and
// consumes these snapshots; where they are stored is the caller's business (src/cli/run-dir.ts).
// The schemas validate a snapshot read back from disk; each is checked against its type.
import { z } from "zod";
import { SEARCH_SOURCES, type Config } from "../config.js";
import type { UsageSummary, TokenUsage } from "../llm/types.js";
import { AccessSchema, PaperIdsSchema } from "../review/schema.js";
import type { SourceContext } from "../sources/context.js";
import type { FullTextAttempt } from "../sources/full-text.js";
import type { Document, Evidence, LoadedPaper, PaperRecord } from "../types.js";
import type { ClaimJudgement } from "../review/claims.js";
import type { DraftAnswer } from "./answer.js";
import type { Assessment } from "./assess.js";
import type { VerificationRound } from "./agent.js";
import type { EvidenceStats } from "./evidence.js";
import { startCollection, type Collection, type SearchLog, type SourceQuery } from "./gather.js";
import type { PlannedQuery } from "./plan.js";

/** A Collection without the library papers (they are loaded again from --library) and with lists for maps. */
export interface CollectionSnapshot {
  /** Papers read from the sources, in the order they were read. */
  papers: LoadedPaper[];
  remoteRecords: PaperRecord[];
  searches: SearchLog[];
  fullTextAttempts: { paperId: string; attempts: FullTextAttempt[] }[];
  fullTextSought: number;
}

/** The agent loop after a completed round. */
export interface AgentSnapshot {
  /** Rounds completed. */
  iteration: number;
  collection: CollectionSnapshot;
  /** Chunks already sent to the evidence step (never judged twice). */
  judgedChunks: string[];
  evidence: Evidence[];
  plans: PlannedQuery[][];
  /** Queries already sent, so that no round sends one again. */
  sentQueries: SourceQuery[];
  /** Hypothetical answers, once written. */
  hypotheses: string[] | null;
  rankingQueries: string[];
  /** The last assessment, which the next round's plan follows. */
  assessment: Assessment | null;
  plannedByModel: boolean;
  stats: EvidenceStats;
  /** Why the loop ended; null while rounds remain. */
  stopReason: string | null;
  /** The Chain-of-Verification round, once run. */
  verification: VerificationRound | null;
  /** LLM usage of the run up to this round. */
  usage: UsageSummary;
}

/**
 * The model's final draft (null: no evidence, or the model failed), the judgement of each of its
 * cited sentences in order, and the run's LLM usage up to them.
 */
export interface AnswerSnapshot {
  draft: DraftAnswer | null;
  judgements: ClaimJudgement[];
  /** Why no Chain-of-Verification round ran (null when one did). */
  verificationSkipped: string | null;
  usage: UsageSummary;
}

/** The stages an earlier run of the same question completed. */
export interface CompletedStages {
  /** Extractive reviews: the papers gathered. */
  collection?: CollectionSnapshot;
  /** Reviews with a model: the agent after its last completed round. */
  agent?: AgentSnapshot;
  answer?: AnswerSnapshot;
}

/** Where a review reports each stage as it completes, so the caller can keep it. */
export interface StageSaver {
  collection(snapshot: CollectionSnapshot): Promise<void>;
  agentRound(snapshot: AgentSnapshot): Promise<void>;
  answer(snapshot: AnswerSnapshot): Promise<void>;
}

export interface RunStages {
  completed: CompletedStages;
  save: StageSaver;
}

export function snapshotCollection(collection: Collection): CollectionSnapshot {
  const library = new Set(collection.library?.papers);
  return {
    papers: [...collection.papers.values()].filter((paper) => !library.has(paper)),
    remoteRecords: collection.remoteRecords,
    searches: collection.searches,
    fullTextAttempts: [...collection.fullTextAttempts].map(([paperId, attempts]) => ({ paperId, attempts })),
    fullTextSought: collection.fullTextSought,
  };
}

/** The collection as it was: the library loaded again, then the papers read from the sources in their order. */
export async function restoreCollection(snapshot: CollectionSnapshot, config: Config, sources: SourceContext): Promise<Collection> {
  const collection = await startCollection(config, sources);
  for (const paper of snapshot.papers) collection.papers.set(paper.record.id, paper);
  collection.remoteRecords.push(...snapshot.remoteRecords);
  collection.searches.push(...snapshot.searches);
  for (const { paperId, attempts } of snapshot.fullTextAttempts) collection.fullTextAttempts.set(paperId, attempts);
  collection.fullTextSought = snapshot.fullTextSought;
  return collection;
}

/** Usage of two parts of one run (before and after a resume) as one. */
export function addUsage(earlier: UsageSummary | undefined, later: UsageSummary): UsageSummary {
  if (!earlier) return later;
  const add = (a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage => ({
    calls: (a?.calls ?? 0) + (b?.calls ?? 0),
    promptTokens: (a?.promptTokens ?? 0) + (b?.promptTokens ?? 0),
    completionTokens: (a?.completionTokens ?? 0) + (b?.completionTokens ?? 0),
    // Unknown (undefined) as soon as either part has an unknown price.
    costUsd: a && a.costUsd === undefined ? undefined : b && b.costUsd === undefined ? undefined : (a?.costUsd ?? 0) + (b?.costUsd ?? 0),
  });
  const addRecords = (a: Record<string, TokenUsage>, b: Record<string, TokenUsage>) =>
    Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((key) => [key, add(a[key], b[key])]));
  return {
    ...add(earlier, later),
    byModel: addRecords(earlier.byModel, later.byModel),
    byStep: addRecords(earlier.byStep, later.byStep),
    cachedCalls: earlier.cachedCalls + later.cachedCalls,
  };
}

// Schemas of the snapshots as read back from disk. They check structure, not the limits the
// model's output was held to (a plan from the question's own words may have more terms).

const count = z.int().min(0);

const PaperRecordSchema: z.ZodType<PaperRecord> = z
  .object({
    id: z.string().min(1),
    ids: PaperIdsSchema,
    title: z.string(),
    authors: z.array(z.object({ family: z.string(), given: z.string().optional() }).strict()),
    year: z.int().optional(),
    journal: z.string().optional(),
    abstract: z.string().optional(),
    openAccess: z.boolean().optional(),
    retracted: z.boolean().optional(),
    citationCount: count.optional(),
    foundBy: z.array(
      z.object({ source: z.enum(["library", "europepmc", "pubmed", "pmc", "openalex", "arxiv", "unpaywall"]), query: z.string().optional() }).strict(),
    ),
    url: z.string().optional(),
  })
  .strict();

const DocumentSchema: z.ZodType<Document> = z
  .object({
    paperId: z.string(),
    access: AccessSchema,
    accessReason: z.string().optional(),
    sections: z.array(z.object({ path: z.array(z.string()), paragraphs: z.array(z.string()) }).strict()),
    captions: z.array(z.string()),
    references: z.array(z.object({ label: z.string().optional(), text: z.string(), ids: PaperIdsSchema }).strict()),
  })
  .strict();

const SearchLogSchema: z.ZodType<SearchLog> = z
  .object({ source: z.enum(SEARCH_SOURCES), query: z.string(), hits: count, returned: count, error: z.string().optional() })
  .strict();

const FullTextAttemptSchema: z.ZodType<FullTextAttempt> = z
  .object({
    route: z.enum(["europepmc", "pmc", "arxiv", "unpaywall", "openalex"]),
    outcome: z.enum(["fulltext", "none", "failed"]),
    detail: z.string(),
  })
  .strict();

export const CollectionSnapshotSchema: z.ZodType<CollectionSnapshot> = z
  .object({
    papers: z.array(z.object({ record: PaperRecordSchema, document: DocumentSchema }).strict()),
    remoteRecords: z.array(PaperRecordSchema),
    searches: z.array(SearchLogSchema),
    fullTextAttempts: z.array(z.object({ paperId: z.string(), attempts: z.array(FullTextAttemptSchema) }).strict()),
    fullTextSought: count,
  })
  .strict();

const PlannedQueryStateSchema: z.ZodType<PlannedQuery> = z
  .object({
    must: z.array(z.object({ term: z.string(), synonyms: z.array(z.string()) }).strict()),
    should: z.array(z.object({ term: z.string(), weight: z.number() }).strict()),
    yearFrom: z.int().nullable(),
    yearTo: z.int().nullable(),
  })
  .strict();

const EvidenceSchema: z.ZodType<Evidence> = z
  .object({
    key: z.string(),
    paperId: z.string(),
    chunkId: z.string(),
    sectionPath: z.array(z.string()),
    relevance: z.number(),
    summary: z.string(),
    quote: z.string().optional(),
  })
  .strict();

const TokenUsageSchema = z
  .object({ calls: count, promptTokens: count, completionTokens: count, costUsd: z.number().min(0).optional() })
  .strict()
  // JSON has no undefined: an unknown cost is an absent field, read back as an explicit undefined.
  .transform((usage): TokenUsage => ({ ...usage, costUsd: usage.costUsd }));

const UsageSummarySchema: z.ZodType<UsageSummary, unknown> = z
  .object({
    calls: count,
    promptTokens: count,
    completionTokens: count,
    costUsd: z.number().min(0).optional(),
    byModel: z.record(z.string(), TokenUsageSchema),
    byStep: z.record(z.string(), TokenUsageSchema),
    cachedCalls: count,
  })
  .strict()
  .transform((usage): UsageSummary => ({ ...usage, costUsd: usage.costUsd }));

export const AgentSnapshotSchema: z.ZodType<AgentSnapshot, unknown> = z
  .object({
    iteration: count,
    collection: CollectionSnapshotSchema,
    judgedChunks: z.array(z.string()),
    evidence: z.array(EvidenceSchema),
    plans: z.array(z.array(PlannedQueryStateSchema)),
    sentQueries: z.array(z.object({ source: z.enum(SEARCH_SOURCES), query: z.string() }).strict()),
    hypotheses: z.array(z.string()).nullable(),
    rankingQueries: z.array(z.string()),
    assessment: z
      .object({ sufficient: z.boolean(), missing: z.array(z.string()), followCitations: z.boolean(), queries: z.array(PlannedQueryStateSchema) })
      .strict()
      .nullable(),
    plannedByModel: z.boolean(),
    stats: z.object({ judged: count, declined: count, failed: count, quotesRejected: count, merged: count }).strict(),
    stopReason: z.string().nullable(),
    verification: z
      .object({ questions: z.array(z.string()), queriesSent: count, papersAdded: count, passagesJudged: count, evidenceAdded: count })
      .strict()
      .nullable()
      .default(null),
    usage: UsageSummarySchema,
  })
  .strict();

export const AnswerSnapshotSchema: z.ZodType<AnswerSnapshot, unknown> = z
  .object({
    draft: z
      .object({
        status: z.enum(["answered", "insufficient"]),
        confidence: z.enum(["high", "medium", "low"]),
        answer: z.string(),
        findings: z.array(z.string()).default([]),
        agreement: z.array(z.string()).default([]),
        disagreement: z.array(z.string()).default([]),
      })
      .strict()
      .nullable(),
    judgements: z
      .array(
        z
          .object({
            verdict: z.enum(["supported", "partially", "unsupported"]),
            method: z.enum(["model", "lexical", "citation-check"]),
            score: z.number().nullable(),
            decidingQuote: z.object({ key: z.string(), text: z.string() }).strict().nullable(),
            revision: z.string(),
          })
          .strict(),
      )
      .default([]),
    verificationSkipped: z.string().nullable().default(null),
    usage: UsageSummarySchema,
  })
  .strict();
