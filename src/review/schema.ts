// The review as data: defined once here, validated before it is printed, and rendered to
// Markdown or emitted as JSON. schemaVersion changes whenever a field changes meaning.
import { z } from "zod";
import { SEARCH_SOURCES } from "../config.js";

export const REVIEW_SCHEMA_VERSION = "2";

export const PaperIdsSchema = z
  .object({
    doi: z.string().optional(),
    pmid: z.string().optional(),
    pmcid: z.string().optional(),
    arxiv: z.string().optional(),
    openalex: z.string().optional(),
    local: z.string().optional(),
  })
  .strict();

export const AccessSchema = z.enum(["fulltext", "abstract-only", "unavailable"]);

export const ReferenceSchema = z
  .object({
    number: z.int().min(1),
    paperId: z.string(),
    ids: PaperIdsSchema,
    title: z.string(),
    authors: z.array(z.object({ family: z.string(), given: z.string().optional() }).strict()),
    year: z.int().optional(),
    journal: z.string().optional(),
    url: z.string().optional(),
    access: AccessSchema,
    /** How the text was obtained, or why it could not be. */
    accessReason: z.string().optional(),
  })
  .strict();

/** A passage quoted verbatim from a source, with the reference number that cites it. */
export const QuoteSchema = z
  .object({
    text: z.string().min(1),
    citation: z.int().min(1),
    paperId: z.string(),
    chunkId: z.string(),
    sectionPath: z.array(z.string()),
    /** Character offsets of the quote inside its section's text. */
    start: z.int().min(0),
    end: z.int().min(0),
    score: z.number(),
  })
  .strict();

export const EvidenceItemSchema = z
  .object({
    key: z.string(),
    citation: z.int().min(1).nullable(),
    paperId: z.string(),
    chunkId: z.string(),
    sectionPath: z.array(z.string()),
    relevance: z.int().min(0).max(10),
    summary: z.string(),
    /** Verbatim from the passage (checked), or null when the model's quote was not in it. */
    quote: z.string().nullable(),
  })
  .strict();

/** One claim of the review (a sentence carrying citations) and how it was checked against what it cites. */
export const ClaimSchema = z
  .object({
    section: z.enum(["answer", "finding", "agreement", "disagreement"]),
    /** The claim as shown, with [n] citations; for a dropped claim, the draft's text without citations. */
    text: z.string(),
    /** The draft's sentence before checking, without citations. */
    draftText: z.string(),
    /** Reference numbers the shown claim cites (empty when dropped). */
    citations: z.array(z.int().min(1)),
    /** Evidence keys the draft cited (llm mode). */
    evidenceKeys: z.array(z.string()),
    verdict: z.enum(["supported", "partially", "unsupported"]),
    /** model: judged by the language model; lexical: by the share of the claim's terms found in the cited passages; citation-check: it cited nothing that exists. */
    method: z.enum(["model", "lexical", "citation-check"]),
    /** The lexical support score, 0–1 (lexical method only). */
    supportScore: z.number().min(0).max(1).nullable(),
    action: z.enum(["kept", "rewritten", "dropped"]),
    /** The source's own words that decided the verdict, with the reference number of their paper. */
    decidingQuote: z.object({ text: z.string(), citation: z.int().min(1), evidenceKey: z.string().nullable() }).strict().nullable(),
  })
  .strict();

const TokenCountsSchema = {
  calls: z.int().min(0),
  promptTokens: z.int().min(0),
  completionTokens: z.int().min(0),
  /** US dollars; null when a model's price is unknown. */
  costUsd: z.number().min(0).nullable(),
};

export const UsageSchema = z
  .object({
    ...TokenCountsSchema,
    cachedCalls: z.int().min(0),
    baseUrl: z.string(),
    model: z.string(),
    fastModel: z.string(),
    byStep: z.record(z.string(), z.object(TokenCountsSchema).strict()),
  })
  .strict();

export const AgentSummarySchema = z
  .object({
    iterations: z.int().min(0),
    stopReason: z.string(),
    /** Whether the queries were planned by the model (false: the question's own words). */
    plannedByModel: z.boolean(),
    plannedQueries: z.int().min(0),
    passagesJudged: z.int().min(0),
    passagesDeclined: z.int().min(0),
    quotesRejected: z.int().min(0),
    /** Evidence keys the answer cited that were never given (removed). */
    unknownCitations: z.int().min(0),
  })
  .strict();

export const ReviewSchema = z
  .object({
    schemaVersion: z.literal(REVIEW_SCHEMA_VERSION),
    question: z.string(),
    status: z.enum(["answered", "insufficient"]),
    /** extractive: quoted passages, no language model; llm: written by a language model from checked evidence. */
    mode: z.enum(["extractive", "llm"]),
    /** The short answer as plain text with [n] citations. */
    answer: z.string(),
    /** The model's judgement of the evidence behind the answer (llm mode only). */
    confidence: z.enum(["high", "medium", "low"]).nullable(),
    /** How long the review was asked to be (--length). */
    length: z.enum(["short", "standard", "long"]),
    answerQuotes: z.array(QuoteSchema),
    /** Extractive mode: the quoted findings. */
    findings: z.array(QuoteSchema),
    /** llm mode: the key findings as written and checked, each with [n] citations. */
    keyFindings: z.array(z.string()),
    /** llm mode: where the studies agree, and where they disagree or conflict and why. */
    agreement: z.array(z.string()),
    disagreement: z.array(z.string()),
    /** Every claim and its verdict, including those rewritten or dropped. */
    claims: z.array(ClaimSchema),
    /** What the evidence step kept (llm mode only), with the reference number of those shown in the review. */
    evidence: z.array(EvidenceItemSchema),
    /** What the evidence was judged to be missing. */
    gaps: z.array(z.string()),
    references: z.array(ReferenceSchema),
    usage: UsageSchema.nullable(),
    agent: AgentSummarySchema.nullable(),
    methods: z
      .object({
        sources: z.array(
          z
            .object({
              source: z.string(),
              location: z.string(),
              papers: z.int().min(0),
              filesSkipped: z.int().min(0),
              /** Why searching this source failed, when it did. */
              error: z.string().optional(),
            })
            .strict(),
        ),
        /** Every query sent to a scholarly source, in its own syntax, with what it found. */
        searches: z.array(
          z
            .object({
              source: z.enum(SEARCH_SOURCES),
              query: z.string(),
              hits: z.int().min(0),
              returned: z.int().min(0),
              error: z.string().optional(),
            })
            .strict(),
        ),
        /** The texts the chunks were ranked against. */
        queries: z.array(z.string()),
        /** The Chain-of-Verification round (--verify), when one ran. */
        verificationRound: z
          .object({
            questions: z.array(z.string()),
            queriesSent: z.int().min(0),
            papersAdded: z.int().min(0),
            passagesJudged: z.int().min(0),
            evidenceAdded: z.int().min(0),
          })
          .strict()
          .nullable(),
        /** Why no Chain-of-Verification round ran; null when one did. */
        verificationSkipped: z.string().nullable(),
        counts: z
          .object({
            /** Records returned by every search plus library papers, before duplicates were merged. */
            found: z.int().min(0),
            papers: z.int().min(0),
            fullTextSought: z.int().min(0),
            fullText: z.int().min(0),
            abstractOnly: z.int().min(0),
            unavailable: z.int().min(0),
            chunks: z.int().min(0),
            evidence: z.int().min(0),
            rankedChunks: z.int().min(0),
            papersQuoted: z.int().min(0),
            cited: z.int().min(0),
          })
          .strict(),
        ranking: z
          .object({
            chunkSize: z.int(),
            chunkOverlap: z.int(),
            topK: z.int(),
            perPaperCap: z.int(),
            description: z.string(),
          })
          .strict(),
      })
      .strict(),
    timings: z.record(z.string(), z.number().min(0)),
    generatedAt: z.string(),
    version: z.string(),
  })
  .strict();

export type Review = z.infer<typeof ReviewSchema>;
export type ReviewReference = z.infer<typeof ReferenceSchema>;
export type Quote = z.infer<typeof QuoteSchema>;
export type ReviewClaim = z.infer<typeof ClaimSchema>;
