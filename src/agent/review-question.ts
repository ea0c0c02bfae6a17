// One question to one review. With a language model: the agent loop gathers checked evidence and
// the model writes the answer from it. Without one: keyword search and reading, ranking, and an
// extractive review of quoted passages. References are built from source metadata either way.
import { performance } from "node:perf_hooks";
import type { RunContext } from "../context.js";
import { NoPapersError, UsageError } from "../errors.js";
import { chunkDocument } from "../index/chunker.js";
import { RANKING_DESCRIPTION, rankChunks } from "../index/fusion.js";
import { DEFAULT_EXTRACTIVE_OPTIONS, selectExtractiveAnswer, type SentenceCandidate } from "../review/extractive.js";
import { CitationRegistry, buildReferences } from "../review/references.js";
import { REVIEW_SCHEMA_VERSION, type Quote, type Review, type ReviewClaim } from "../review/schema.js";
import { SOURCE_LABELS, type Config, type SearchSource } from "../config.js";
import { foundRecords, gatherByKeywords, gatherCounts, paperTitles, type Collection } from "./gather.js";
import type { Budget } from "../llm/budget.js";
import type { LlmClient } from "../llm/types.js";
import type { Chunk, Evidence, LoadedPaper, PaperRecord } from "../types.js";
import { runAgent, runVerificationRound, type AgentOutcome, type VerificationRound } from "./agent.js";
import { addUsage, restoreCollection, snapshotCollection, type AnswerSnapshot, type RunStages } from "./state.js";
import type { UsageSummary } from "../llm/types.js";
import { LENGTH_SETTINGS, writeAnswer, type DraftAnswer } from "./answer.js";
import { planVerification } from "./cove.js";
import { verifyClaims } from "./verify-claims.js";
import { assembleSections, draftItems, judgeLexically, type DraftItem, type DraftSentence } from "../review/claims.js";

/** The language model a review is written with, and the budget it spends. */
export interface ReviewModel {
  llm: LlmClient;
  budget: Budget;
}

/**
 * What happened to the papers on their way to a review, for evaluations that ask where a known
 * source paper was lost: found → read → top-ranked passages → evidence → cited (the review's references).
 */
export interface ReviewTrace {
  /** Every record found: library papers and search results (duplicates included, before merging). */
  found: PaperRecord[];
  /** The papers read (screened in), with what was read of each. */
  papers: LoadedPaper[];
  /** Passages that made the top-k of a ranking, over all rounds, in ranking order. */
  topChunks: Chunk[];
  /** The evidence kept (empty in extractive mode). */
  evidence: Evidence[];
}

export interface TracedReview {
  review: Review;
  trace: ReviewTrace;
}

/**
 * `stages` (optional): what an earlier run of this question completed, which is not done again, and
 * where each stage is reported as it completes.
 */
export async function reviewQuestion(question: string, context: RunContext, model?: ReviewModel, stages?: RunStages): Promise<Review> {
  return (await traceReview(question, context, model, stages)).review;
}

/** reviewQuestion, also returning the trace of the papers through the pipeline. */
export async function traceReview(question: string, context: RunContext, model?: ReviewModel, stages?: RunStages): Promise<TracedReview> {
  const { config } = context;
  if (config.library.length === 0 && config.sources?.length === 0) {
    throw new UsageError("nothing to search: --sources none needs a local library (--library PATH)");
  }
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };
  return model ? llmReview(question, context, model, timed, timings, stages) : extractiveReview(question, context, timed, timings, stages);
}

type Timed = <T>(stage: string, work: () => T | Promise<T>) => Promise<T>;

async function extractiveReview(question: string, context: RunContext, timed: Timed, timings: Record<string, number>, stages?: RunStages): Promise<TracedReview> {
  const { config, logger } = context;
  const gathered = stages?.completed.collection;
  const collection = await timed("gather", () => (gathered ? restoreCollection(gathered, config, context.sources) : gatherByKeywords(question, config, context.sources)));
  context.signal?.throwIfAborted();
  if (!gathered) await stages?.save.collection(snapshotCollection(collection));
  const papers = readPapers(collection, config, logger);
  const chunks = await timed("chunk", () => papers.flatMap(({ document }) => chunkDocument(document, { size: config.chunkSize, overlap: config.chunkOverlap })));
  const queries = [question];
  const titles = new Map(papers.map(({ record }) => [record.id, record.title]));
  const ranking = await timed("rank", () => rankChunks(chunks, titles, queries, { topK: config.topK, perPaperCap: config.perPaperCap }));
  logger.debug(`ranked ${chunks.length} chunks; kept ${ranking.ranked.length}`);
  const selection = await timed("select", () =>
    selectExtractiveAnswer(question, ranking.ranked, ranking.idf, { ...DEFAULT_EXTRACTIVE_OPTIONS, findings: config.findings }, titles),
  );

  // Numbers follow first use in the rendered text: the answer, then findings paper by paper.
  const registry = new CitationRegistry();
  const toQuote = (sentence: SentenceCandidate): Quote => ({
    text: sentence.text,
    citation: registry.cite(sentence.paperId),
    paperId: sentence.paperId,
    chunkId: sentence.chunkId,
    sectionPath: sentence.sectionPath,
    start: sentence.start,
    end: sentence.end,
    score: Number(sentence.score.toFixed(4)),
  });
  const answerQuotes = selection.answer.map(toQuote);
  const findings = orderByPaper(selection.findings)
    .map(toQuote)
    .sort((a, b) => a.citation - b.citation || b.score - a.score);
  const answer = answerQuotes.map((quote) => `"${quote.text}" [${quote.citation}]`).join(" ");
  const chunkText = new Map(chunks.map((chunk) => [chunk.id, chunk.text]));
  // Every claim of an extractive review is a sentence quoted verbatim: its lexical support is recorded, nothing is rewritten.
  const claimOf =
    (section: "answer" | "finding") =>
    (quote: Quote): ReviewClaim => ({
      section,
      text: `"${quote.text}" [${quote.citation}]`,
      draftText: quote.text,
      citations: [quote.citation],
      evidenceKeys: [],
      verdict: "supported",
      method: "lexical",
      supportScore: judgeLexically(quote.text, [{ key: quote.chunkId, text: chunkText.get(quote.chunkId) ?? quote.text }]).score,
      action: "kept",
      decidingQuote: { text: quote.text, citation: quote.citation, evidenceKey: null },
    });
  const review: Review = {
    schemaVersion: REVIEW_SCHEMA_VERSION,
    question,
    status: selection.status,
    mode: "extractive",
    answer: selection.status === "answered" ? answer : `Insufficient evidence. ${answer}`.trim(),
    confidence: null,
    length: config.length,
    answerQuotes,
    findings,
    keyFindings: [],
    agreement: [],
    disagreement: [],
    claims: [...answerQuotes.map(claimOf("answer")), ...findings.map(claimOf("finding"))],
    evidence: [],
    gaps: [],
    references: buildReferences(registry, recordsById(papers), documentsById(papers)),
    usage: null,
    agent: null,
    methods: describeMethods(config, collection, queries, { round: null, skipped: "an extractive review has no draft to check (no language model)" }, {
      chunks: chunks.length,
      evidence: 0,
      rankedChunks: ranking.ranked.length,
      papersQuoted: new Set(selection.findings.map((sentence) => sentence.paperId)).size,
      cited: registry.citedPaperIds().length,
    }),
    timings,
    generatedAt: context.now().toISOString(),
    version: context.version,
  };
  return { review, trace: { found: foundRecords(collection), papers, topChunks: ranking.ranked.map(({ chunk }) => chunk), evidence: [] } };
}

async function llmReview(question: string, context: RunContext, model: ReviewModel, timed: Timed, timings: Record<string, number>, stages?: RunStages): Promise<TracedReview> {
  const { config, logger } = context;
  const completed = stages?.completed ?? {};
  const outcome = await timed("agent", () =>
    runAgent(question, context, model.llm, model.budget, { ...(completed.agent ? { restored: completed.agent } : {}), ...(stages ? { onRoundDone: stages.save.agentRound } : {}) }),
  );
  context.signal?.throwIfAborted();
  const papers = readPapers(outcome.collection, config, logger);
  model.budget.startAnswering();
  // The run's usage: what earlier runs of it spent (up to the last stage kept) and what this one did.
  const written = completed.answer ?? (await writeAndCheck(question, outcome, context, model, timed, completed.agent?.usage, stages));
  const earlierUsage = completed.answer?.usage ?? completed.agent?.usage;

  const items = written.draft ? draftItemsOf(written.draft) : [];
  const judgements = new Map(citedSentences(items).map((sentence, index) => [sentence, written.judgements[index]]));
  const evidenceByKey = new Map(outcome.evidence.map((item) => [item.key, item]));
  const registry = new CitationRegistry();
  const assembled = assembleSections(items, (sentence) => judgements.get(sentence), evidenceByKey, (paperId) => registry.cite(paperId));
  if (assembled.unknownKeys.length > 0) logger.warn(`the answer cited ${assembled.unknownKeys.length} evidence key(s) that do not exist; removed`);
  const byRelevance = [...outcome.evidence].sort((a, b) => b.relevance - a.relevance);
  const shown = new Set([...assembled.citedKeys, ...byRelevance.slice(0, LENGTH_SETTINGS[config.length].extraEvidenceShown).map((item) => item.key)]);
  // Evidence shown below the answer gets its paper's number in order of appearance: by paper, best first.
  const evidence = outcome.evidence.map((item) => ({
    key: item.key,
    citation: shown.has(item.key) ? registry.cite(item.paperId) : null,
    paperId: item.paperId,
    chunkId: item.chunkId,
    sectionPath: item.sectionPath,
    relevance: item.relevance,
    summary: item.summary,
    quote: item.quote ?? null,
  }));
  // The verification table comes last in the review: quotes that decided get their paper's number there.
  const claims: ReviewClaim[] = assembled.claims.map(({ decidingQuote, ...claim }) => {
    const paperId = decidingQuote ? evidenceByKey.get(decidingQuote.key)?.paperId : undefined;
    return {
      ...claim,
      decidingQuote: decidingQuote && paperId ? { text: decidingQuote.text, citation: registry.cite(paperId), evidenceKey: decidingQuote.key } : null,
    };
  });
  const answerStands = claims.some((claim) => claim.section === "answer" && claim.action !== "dropped");
  const usage = addUsage(earlierUsage, model.llm.usage());
  const review: Review = {
    schemaVersion: REVIEW_SCHEMA_VERSION,
    question,
    status: written.draft?.status === "answered" && answerStands ? "answered" : "insufficient",
    mode: "llm",
    answer: answerText(assembled.answer, written.draft !== null, outcome.evidence.length, claims),
    confidence: written.draft?.confidence ?? null,
    length: config.length,
    answerQuotes: [],
    findings: [],
    keyFindings: assembled.findings,
    agreement: assembled.agreement,
    disagreement: assembled.disagreement,
    claims,
    evidence,
    gaps: outcome.assessment?.sufficient === false ? outcome.assessment.missing : [],
    references: buildReferences(registry, recordsById(papers), documentsById(papers)),
    usage: {
      calls: usage.calls,
      cachedCalls: usage.cachedCalls,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: usage.costUsd ?? null,
      baseUrl: model.llm.main.baseUrl,
      model: model.llm.main.model,
      fastModel: model.llm.fast.model,
      byStep: Object.fromEntries(
        Object.entries(usage.byStep).map(([step, counts]) => [step, { calls: counts.calls, promptTokens: counts.promptTokens, completionTokens: counts.completionTokens, costUsd: counts.costUsd ?? null }]),
      ),
    },
    agent: {
      iterations: outcome.iteration,
      stopReason: outcome.stopReason,
      plannedByModel: outcome.plannedByModel,
      plannedQueries: outcome.plans.flat().length,
      passagesJudged: outcome.stats.judged,
      passagesDeclined: outcome.stats.declined,
      quotesRejected: outcome.stats.quotesRejected,
      unknownCitations: assembled.unknownKeys.length,
    },
    methods: describeMethods(config, outcome.collection, outcome.rankingQueries, { round: outcome.verification, skipped: outcome.verification ? null : (written.verificationSkipped ?? "not recorded") }, {
      chunks: outcome.chunks.size,
      evidence: outcome.evidence.length,
      rankedChunks: outcome.stats.judged + outcome.stats.failed,
      papersQuoted: new Set(outcome.evidence.map((item) => item.paperId)).size,
      cited: registry.citedPaperIds().length,
    }),
    timings,
    generatedAt: context.now().toISOString(),
    version: context.version,
  };
  const topChunks = [...outcome.judged].flatMap((id) => outcome.chunks.get(id) ?? []);
  return { review, trace: { found: foundRecords(outcome.collection), papers, topChunks, evidence: outcome.evidence } };
}

/**
 * The draft (rebuilt after a Chain-of-Verification round when --verify), and a judgement of each of
 * its cited sentences; kept in the run directory as the answer stage.
 */
async function writeAndCheck(
  question: string,
  outcome: AgentOutcome,
  context: RunContext,
  model: ReviewModel,
  timed: Timed,
  earlierUsage: UsageSummary | undefined,
  stages?: RunStages,
): Promise<AnswerSnapshot> {
  const { config, logger, signal } = context;
  const titles = paperTitles(outcome.collection);
  const write = async (verificationQuestions: readonly string[] | undefined) => {
    const best = [...outcome.evidence].sort((a, b) => b.relevance - a.relevance).slice(0, LENGTH_SETTINGS[config.length].evidence);
    if (best.length === 0) return undefined;
    const draft = await writeAnswer(question, best, titles, model.llm, { length: config.length, ...(verificationQuestions ? { verificationQuestions } : {}), ...(signal ? { signal } : {}) });
    signal?.throwIfAborted();
    return draft;
  };
  let draft = await timed("answer", () => write(outcome.verification?.questions));
  let verificationSkipped = outcome.verification ? null : whyNoVerification(config, draft, model.budget);
  if (draft && verificationSkipped === null && outcome.verification === null) {
    const plan = await timed("verification-plan", () => planVerification(question, draft as DraftAnswer, model.llm, signal));
    signal?.throwIfAborted();
    if (!plan) verificationSkipped = "the model gave no usable verification questions";
    else {
      const round = await timed("verification", () =>
        runVerificationRound(question, outcome, plan, context, model.llm, model.budget, { ...(stages ? { onRoundDone: stages.save.agentRound } : {}), ...(earlierUsage ? { earlierUsage } : {}) }),
      );
      logger.info(`Chain-of-Verification: ${plan.questions.length} question(s), ${round.papersAdded} new paper(s) read, ${round.evidenceAdded} new evidence item(s)`);
      if (round.evidenceAdded > 0) draft = (await timed("answer-revision", () => write(plan.questions))) ?? draft;
    }
  }
  const items = draft ? draftItemsOf(draft) : [];
  const evidenceByKey = new Map(outcome.evidence.map((item) => [item.key, item]));
  const passagesFor = (keys: readonly string[]) =>
    keys.flatMap((key) => {
      const item = evidenceByKey.get(key);
      return item ? [{ key, text: outcome.chunks.get(item.chunkId)?.text ?? item.quote ?? item.summary }] : [];
    });
  const judged = await timed("claims", () => verifyClaims(items, passagesFor, model.llm, signal));
  signal?.throwIfAborted();
  const judgements = citedSentences(items).flatMap((sentence) => judged.get(sentence) ?? []);
  const snapshot: AnswerSnapshot = { draft: draft ?? null, judgements, verificationSkipped, usage: addUsage(earlierUsage, model.llm.usage()) };
  await stages?.save.answer(snapshot);
  return snapshot;
}

/** Why no Chain-of-Verification round can run, or null when one can. */
function whyNoVerification(config: Config, draft: DraftAnswer | undefined, budget: Budget): string | null {
  if (!config.verify) return "turned off (--no-verify; off by default at quick depth)";
  if (!draft) return "there was no draft answer to check";
  const spent = budget.exhausted();
  return spent === undefined ? null : spent;
}

function draftItemsOf(draft: DraftAnswer): DraftItem[] {
  return draftItems({ answer: [draft.answer], finding: draft.findings, agreement: draft.agreement, disagreement: draft.disagreement });
}

function citedSentences(items: readonly DraftItem[]): DraftSentence[] {
  return items.flatMap((item) => item.sentences.filter((sentence) => sentence.keys.length > 0));
}

/** The answer as shown: the checked text, or why there is none. */
function answerText(checked: string, drafted: boolean, evidenceCount: number, claims: readonly ReviewClaim[]): string {
  const droppedFromAnswer = claims.some((claim) => claim.section === "answer" && claim.action === "dropped");
  if (droppedFromAnswer && !claims.some((claim) => claim.section === "answer" && claim.action !== "dropped")) {
    return `${checked} The draft answer's claims were not borne out by the passages they cited and were removed; see Verification.`.trim();
  }
  if (checked.length > 0) return checked;
  return noAnswerText(evidenceCount, !drafted && evidenceCount > 0);
}

function noAnswerText(evidenceCount: number, modelFailed: boolean): string {
  if (modelFailed) return "The language model could not write an answer; the evidence it extracted is listed below.";
  return evidenceCount === 0 ? "No passage among the papers read bears on this question." : "";
}

/** The papers read, failing the run with one line when there are none. */
function readPapers(collection: Collection, config: Config, logger: RunContext["logger"]): LoadedPaper[] {
  const papers = [...collection.papers.values()];
  if (papers.length === 0) throw new NoPapersError(nothingFoundMessage(config, collection));
  const counts = gatherCounts(collection);
  logger.info(`read ${papers.length} paper(s): ${counts.fullText} in full text, ${counts.abstractOnly} from the abstract only`);
  return papers;
}

function recordsById(papers: readonly LoadedPaper[]): Map<string, PaperRecord> {
  return new Map(papers.map(({ record }) => [record.id, record]));
}

function documentsById(papers: readonly LoadedPaper[]): Map<string, LoadedPaper["document"]> {
  return new Map(papers.map(({ record, document }) => [record.id, document]));
}

type StageCounts = Pick<Review["methods"]["counts"], "chunks" | "evidence" | "rankedChunks" | "papersQuoted" | "cited">;

function describeMethods(
  config: Config,
  collection: Collection,
  queries: string[],
  verification: { round: VerificationRound | null; skipped: string | null },
  stages: StageCounts,
): Review["methods"] {
  const counts = gatherCounts(collection);
  return {
    sources: describeSources(config, collection),
    searches: collection.searches,
    queries,
    verificationRound: verification.round,
    verificationSkipped: verification.skipped,
    counts: {
      found: counts.found,
      papers: collection.papers.size,
      fullTextSought: counts.fullTextSought,
      fullText: counts.fullText,
      abstractOnly: counts.abstractOnly,
      unavailable: counts.unavailable,
      ...stages,
    },
    ranking: {
      chunkSize: config.chunkSize,
      chunkOverlap: config.chunkOverlap,
      topK: config.topK,
      perPaperCap: config.perPaperCap,
      description: RANKING_DESCRIPTION,
    },
  };
}

/** Each place searched, with how many papers it contributed. */
function describeSources(config: Config, gathered: Pick<Collection, "library" | "searches">): Review["methods"]["sources"] {
  const described: Review["methods"]["sources"] = [];
  if (gathered.library) {
    described.push({
      source: "local library",
      location: config.library.join(", "),
      papers: gathered.library.papers.length,
      filesSkipped: gathered.library.skipped.length,
    });
  }
  for (const source of new Set(gathered.searches.map((search) => search.source))) {
    const searches = gathered.searches.filter((search) => search.source === source);
    const errors = searches.flatMap((search) => (search.error === undefined ? [] : [search.error]));
    described.push({
      source: SOURCE_LABELS[source],
      location: sourceLocation(config, source),
      papers: searches.reduce((sum, search) => sum + search.returned, 0),
      filesSkipped: 0,
      ...(errors.length > 0 ? { error: errors[0] } : {}),
    });
  }
  return described;
}

function sourceLocation(config: Config, source: SearchSource): string {
  return { europepmc: config.europepmcUrl, pubmed: config.ncbiUrl, openalex: config.openalexUrl, arxiv: config.arxivUrl }[source];
}

function nothingFoundMessage(config: Config, gathered: Collection): string {
  if (gathered.library && gathered.library.papers.length === 0 && gathered.searches.length === 0) {
    return `no readable papers in ${config.library.join(", ")} (${gathered.library.filesSeen} file(s) seen, ${gathered.library.skipped.length} skipped as unreadable)`;
  }
  const searched = [...new Set(gathered.searches.map((search) => SOURCE_LABELS[search.source]))];
  const where = [...(gathered.library ? [config.library.join(", ")] : []), ...searched].join(", ");
  return `no papers found for this question in ${where || "any source"}; try other words, more --sources, or a --library`;
}

/** Findings grouped paper by paper, papers in order of their best sentence, sentences by score. */
function orderByPaper(sentences: SentenceCandidate[]): SentenceCandidate[] {
  const paperOrder = new Map<string, number>();
  for (const sentence of sentences) if (!paperOrder.has(sentence.paperId)) paperOrder.set(sentence.paperId, paperOrder.size);
  return [...sentences].sort((a, b) => (paperOrder.get(a.paperId) ?? 0) - (paperOrder.get(b.paperId) ?? 0) || b.score - a.score);
}
