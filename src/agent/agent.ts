// The agent loop: plan → search → screen → read → rank (with hypothetical answers) → evidence →
// assess, repeated until the evidence suffices, the iterations run out, nothing new turns up, or a
// budget ends. Each step is a plain function; this file is only the order they run in.
import type { Config } from "../config.js";
import type { RunContext } from "../context.js";
import { chunkDocument } from "../index/chunker.js";
import { buildChunkIndex, rankIndexedChunks, type ChunkIndex } from "../index/fusion.js";
import type { Budget } from "../llm/budget.js";
import type { LlmClient, UsageSummary } from "../llm/types.js";
import { fetchEuropePmcLinks } from "../sources/europepmc.js";
import type { Chunk, Evidence, LoadedPaper, PaperRecord } from "../types.js";
import { assessEvidence, type Assessment } from "./assess.js";
import { extractEvidence, type EvidenceStats } from "./evidence.js";
import {
  activeSources,
  gatherCounts,
  paperTitles,
  readInto,
  reportFailedSearches,
  screenRecords,
  searchInto,
  startCollection,
  unreadCandidates,
  type Collection,
  type SourceQuery,
} from "./gather.js";
import { writeHypotheses } from "./hypotheses.js";
import { planQueries, queryText, renderPlannedQuery, type PlannedQuery } from "./plan.js";
import { addUsage, restoreCollection, snapshotCollection, type AgentSnapshot } from "./state.js";

/** Queries planned per round, and whether citations are followed without being asked, by depth. */
const ROUND_SETTINGS: Record<Config["depth"], { queries: number; followCitations: boolean }> = {
  quick: { queries: 2, followCitations: false },
  standard: { queries: 3, followCitations: false },
  deep: { queries: 5, followCitations: true },
};

/** Papers whose references and citing papers are followed, and how many of each per paper. */
const CITATION_SEEDS = 3;
const LINKS_PER_SEED = 20;

/** A Chain-of-Verification round: the draft's key statements searched and judged afresh. */
export interface VerificationRound {
  questions: string[];
  /** Queries sent to the sources that no earlier round had sent. */
  queriesSent: number;
  papersAdded: number;
  passagesJudged: number;
  evidenceAdded: number;
}

/** What the loop gathered, and how it ended; a verification round goes on from it. */
export type AgentOutcome = AgentState & { stopReason: string };

/** Where an interrupted run left the loop, and where each completed round is reported. */
export interface AgentOptions {
  /** The state after the last round an earlier run completed: the loop goes on from the next round. */
  restored?: AgentSnapshot;
  /** Called after every completed round (the last one with its stop reason), with the state to resume from. */
  onRoundDone?: (snapshot: AgentSnapshot) => Promise<void>;
}

/** The loop's state between rounds. */
export interface AgentState {
  /** Rounds completed. */
  iteration: number;
  collection: Collection;
  chunks: Map<string, Chunk>;
  judged: Set<string>;
  evidence: Evidence[];
  plans: PlannedQuery[][];
  /** Queries sent, by sentKey. */
  sentQueries: Map<string, SourceQuery>;
  hypotheses: string[] | undefined;
  rankingQueries: string[];
  assessment: Assessment | undefined;
  plannedByModel: boolean;
  stats: EvidenceStats;
  stopReason: string | undefined;
  /** The Chain-of-Verification round, once run. */
  verification: VerificationRound | null;
  /** The index over `chunks`, dropped whenever new passages arrive. */
  chunkIndex?: ChunkIndex;
}

export async function runAgent(question: string, context: RunContext, llm: LlmClient, budget: Budget, options: AgentOptions = {}): Promise<AgentOutcome> {
  const { config, sources, signal } = context;
  const round = ROUND_SETTINGS[config.depth];
  const names = activeSources(config, sources);
  const { restored } = options;
  const state = restored ? await restoreState(restored, context) : await startState(question, context);
  if (restored) budget.restoreSpent({ calls: restored.usage.calls, costUsd: restored.usage.costUsd ?? 0, papers: restored.collection.papers.length });
  // Hypothetical answers depend on the question alone: ask for them while the first round searches and reads.
  const hypothesesPending =
    state.hypotheses !== undefined ? Promise.resolve(state.hypotheses) : state.stopReason === undefined && budget.exhausted() === undefined ? writeHypotheses(question, llm, signal) : Promise.resolve([]);
  const report = (message: string, round: number) => {
    const counts = gatherCounts(state.collection);
    const usage = llm.usage();
    context.progress.step(message, {
      round,
      found: counts.found,
      papers: state.collection.papers.size,
      fullText: counts.fullText,
      evidence: state.evidence.length,
      llmCalls: usage.calls,
      tokens: usage.promptTokens + usage.completionTokens,
      costUsd: usage.costUsd,
    });
  };

  /** One round; the reason the loop stops after it, or undefined to go on. */
  const runRound = async (iteration: number): Promise<string | undefined> => {
    const { chunks, judged, evidence, plans, assessment } = state;
    const plan =
      assessment && assessment.queries.length > 0
        ? { queries: assessment.queries, fromModel: true }
        : await planQueries(question, llm, { count: round.queries, missing: assessment?.missing ?? [], previous: plans.flat(), ...(signal ? { signal } : {}) });
    state.plannedByModel ||= plan.fromModel;
    plans.push(plan.queries);
    report(`round ${iteration}: ${plan.queries.length} planned quer${plan.queries.length === 1 ? "y" : "ies"} × ${names.length} source(s)`, iteration);

    const screeningText = [question, ...plan.queries.map(queryText)].join(" ");
    const read = await searchAndRead(state, plan.queries, screeningText, context, budget, {
      first: iteration === 1,
      followCitations: iteration > 1 && (assessment?.followCitations === true || round.followCitations),
    });
    if (state.chunks.size === 0) return "no readable papers were found";

    state.hypotheses = await hypothesesPending;
    signal?.throwIfAborted();
    state.rankingQueries = [...new Set([question, ...plans.flat().map(queryText), ...state.hypotheses])];
    const judging = await judgeTopPassages(question, state, state.rankingQueries, context, llm);
    report(`round ${iteration}: ${read.length} new paper(s), ${judging.ranked} passage(s) judged, ${judging.kept.length} kept as evidence`, iteration);

    const afterEvidence = budget.exhausted();
    if (afterEvidence) return afterEvidence;
    if (iteration === config.maxIterations) return `--max-iterations ${config.maxIterations} reached`;
    state.assessment = await assessEvidence(question, evidence, llm, signal);
    // An interrupted assessment falls back to a default judgement: it must not be kept as this round's.
    signal?.throwIfAborted();
    if (state.assessment.sufficient) return "the evidence was judged sufficient";
    const passagesLeft = [...chunks.keys()].some((id) => !judged.has(id));
    if (names.length === 0 && !passagesLeft) return "every passage of the papers available has been judged";
    return undefined;
  };

  while (state.stopReason === undefined) {
    signal?.throwIfAborted();
    const iteration = state.iteration + 1;
    const spent = budget.exhausted();
    if (spent) {
      state.stopReason = spent;
    } else {
      state.stopReason = await runRound(iteration);
      state.iteration = iteration;
    }
    await options.onRoundDone?.(snapshotState(state, addUsage(restored?.usage, llm.usage())));
  }
  return { ...state, stopReason: state.stopReason };
}

async function startState(question: string, context: RunContext): Promise<AgentState> {
  return {
    iteration: 0,
    collection: await startCollection(context.config, context.sources),
    chunks: new Map(),
    judged: new Set(),
    evidence: [],
    plans: [],
    sentQueries: new Map(),
    hypotheses: undefined,
    rankingQueries: [question],
    assessment: undefined,
    plannedByModel: false,
    stats: { judged: 0, declined: 0, failed: 0, quotesRejected: 0, merged: 0 },
    stopReason: undefined,
    verification: null,
  };
}

/** The state a snapshot describes; the chunks are cut again from the papers (library and read), as the rounds cut them. */
async function restoreState(snapshot: AgentSnapshot, context: RunContext): Promise<AgentState> {
  const collection = await restoreCollection(snapshot.collection, context.config, context.sources);
  const chunks = new Map<string, Chunk>();
  addChunks(chunks, collection.papers.values(), context.config);
  return {
    iteration: snapshot.iteration,
    collection,
    chunks,
    judged: new Set(snapshot.judgedChunks),
    evidence: snapshot.evidence,
    plans: snapshot.plans,
    sentQueries: new Map(snapshot.sentQueries.map((sent) => [sentKey(sent), sent])),
    hypotheses: snapshot.hypotheses ?? undefined,
    rankingQueries: snapshot.rankingQueries,
    assessment: snapshot.assessment ?? undefined,
    plannedByModel: snapshot.plannedByModel,
    stats: snapshot.stats,
    stopReason: snapshot.stopReason ?? undefined,
    verification: snapshot.verification,
  };
}

function snapshotState(state: AgentState, usage: UsageSummary): AgentSnapshot {
  return {
    iteration: state.iteration,
    collection: snapshotCollection(state.collection),
    judgedChunks: [...state.judged],
    evidence: state.evidence,
    plans: state.plans,
    sentQueries: [...state.sentQueries.values()],
    hypotheses: state.hypotheses ?? null,
    rankingQueries: state.rankingQueries,
    assessment: state.assessment ?? null,
    plannedByModel: state.plannedByModel,
    stats: state.stats,
    stopReason: state.stopReason ?? null,
    verification: state.verification,
    usage,
  };
}

/**
 * Chain-of-Verification: the draft's key statements, each with a query, searched and judged afresh
 * after the loop ended; what it adds joins the outcome's evidence. The snapshot is reported once done.
 */
export async function runVerificationRound(
  question: string,
  outcome: AgentOutcome,
  plan: { questions: string[]; queries: PlannedQuery[] },
  context: RunContext,
  llm: LlmClient,
  budget: Budget,
  options: Pick<AgentOptions, "onRoundDone"> & { earlierUsage?: UsageSummary } = {},
): Promise<VerificationRound> {
  const papersBefore = outcome.collection.papers.size;
  const sentBefore = outcome.sentQueries.size;
  const judgedBefore = outcome.stats.judged;
  context.progress.step(`verification: ${plan.questions.length} question(s) searched afresh`, { round: outcome.iteration + 1 });
  await searchAndRead(outcome, plan.queries, [question, ...plan.questions].join(" "), context, budget, { first: false, followCitations: false });
  // Passages are judged against the research question with the statements being checked beside it.
  const checking = `${question} (checking: ${plan.questions.join("; ")})`;
  const judged = outcome.chunks.size > 0 ? await judgeTopPassages(checking, outcome, plan.questions, context, llm) : { ranked: 0, kept: [] };
  const verification: VerificationRound = {
    questions: plan.questions,
    queriesSent: outcome.sentQueries.size - sentBefore,
    papersAdded: outcome.collection.papers.size - papersBefore,
    passagesJudged: outcome.stats.judged - judgedBefore,
    evidenceAdded: judged.kept.length,
  };
  outcome.verification = verification;
  await options.onRoundDone?.(snapshotState(outcome, addUsage(options.earlierUsage, llm.usage())));
  return verification;
}

/** Send the queries not sent before to every active source, then screen and read the new candidates. */
async function searchAndRead(
  state: AgentState,
  queries: readonly PlannedQuery[],
  screeningText: string,
  context: RunContext,
  budget: Budget,
  options: { first: boolean; followCitations: boolean },
): Promise<LoadedPaper[]> {
  const { config, sources, logger } = context;
  const toSend: SourceQuery[] = [];
  for (const query of queries) {
    for (const source of activeSources(config, sources)) {
      const sent: SourceQuery = { source, query: renderPlannedQuery(source, query) };
      if (!state.sentQueries.has(sentKey(sent))) toSend.push(sent);
      state.sentQueries.set(sentKey(sent), sent);
    }
  }
  const logs = await searchInto(state.collection, toSend, config.searchLimit, sources);
  if (options.first) reportFailedSearches(state.collection, logs, config, logger);
  if (options.followCitations) await followCitations(state.collection, state.evidence, context);
  const candidates = screenRecords(screeningText, unreadCandidates(state.collection)).slice(0, budget.papersLeft());
  const read = await readInto(state.collection, candidates, config.fetchLimit, sources);
  budget.notePapers(read.length);
  const newPapers = options.first ? [...state.collection.papers.values()] : read;
  addChunks(state.chunks, newPapers, config);
  if (newPapers.length > 0) delete state.chunkIndex;
  return read;
}

/**
 * Rank the passages not judged yet against the texts, send the top-k to the evidence step, keep
 * what bears on the question. `question` is what the evidence is judged against.
 */
async function judgeTopPassages(
  question: string,
  state: AgentState,
  rankingQueries: readonly string[],
  context: RunContext,
  llm: LlmClient,
): Promise<{ ranked: number; kept: Evidence[] }> {
  const { config, signal } = context;
  const titles = paperTitles(state.collection);
  // Built only when passages arrived since the last ranking; judged ones are left out at query time.
  state.chunkIndex ??= buildChunkIndex([...state.chunks.values()], titles);
  const ranking = rankIndexedChunks(state.chunkIndex, [...rankingQueries], { topK: config.topK, perPaperCap: config.perPaperCap, exclude: state.judged });
  for (const { chunk } of ranking.ranked) state.judged.add(chunk.id);
  const extracted = await extractEvidence(question, ranking.ranked, titles, llm, { firstKey: state.evidence.length + 1, ...(signal ? { signal } : {}) });
  signal?.throwIfAborted();
  state.evidence.push(...extracted.evidence);
  addStats(state.stats, extracted.stats);
  return { ranked: ranking.ranked.length, kept: extracted.evidence };
}

function sentKey(sent: SourceQuery): string {
  return `${sent.source}\u0000${sent.query}`;
}

function addChunks(chunks: Map<string, Chunk>, papers: Iterable<LoadedPaper>, config: Config): void {
  for (const paper of papers) {
    for (const chunk of chunkDocument(paper.document, { size: config.chunkSize, overlap: config.chunkOverlap })) chunks.set(chunk.id, chunk);
  }
}

/** The references and citing papers (Europe PMC) of the papers behind the most relevant evidence, as new candidates. */
async function followCitations(collection: Collection, evidence: readonly Evidence[], context: RunContext): Promise<void> {
  const seeds: PaperRecord[] = [];
  for (const item of [...evidence].sort((a, b) => b.relevance - a.relevance)) {
    const record = collection.papers.get(item.paperId)?.record;
    if (record && (record.ids.pmid || record.ids.pmcid) && !seeds.includes(record)) seeds.push(record);
    if (seeds.length >= CITATION_SEEDS) break;
  }
  const found = await Promise.all(
    seeds.flatMap((record) =>
      (["references", "citations"] as const).map(async (direction) => {
        try {
          return await fetchEuropePmcLinks(context.sources, record, direction, LINKS_PER_SEED);
        } catch (error) {
          context.logger.warn(`could not follow the ${direction} of ${record.id}: ${(error as Error).message}`);
          return [];
        }
      }),
    ),
  );
  const records = found.flat();
  context.logger.info(`followed the citations of ${seeds.length} paper(s): ${records.length} linked record(s)`);
  collection.remoteRecords.push(...records);
}

function addStats(total: EvidenceStats, more: EvidenceStats): void {
  for (const key of Object.keys(total) as (keyof EvidenceStats)[]) total[key] += more[key];
}
