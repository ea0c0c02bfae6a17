// The agent loop: plan → search → screen → read → rank (with hypothetical answers) → evidence →
// assess, repeated until the evidence suffices, the iterations run out, nothing new turns up, or a
// budget ends. Each step is a plain function; this file is only the order they run in.
import type { Config } from "../config.js";
import type { RunContext } from "../context.js";
import { chunkDocument } from "../index/chunker.js";
import { buildChunkIndex, rankIndexedChunks, type ChunkIndex } from "../index/fusion.js";
import type { Budget } from "../llm/budget.js";
import type { LlmClient } from "../llm/types.js";
import { fetchEuropePmcLinks } from "../sources/europepmc.js";
import type { Chunk, Evidence, PaperRecord } from "../types.js";
import { assessEvidence, type Assessment } from "./assess.js";
import { extractEvidence, type EvidenceStats } from "./evidence.js";
import {
  activeSources,
  gatherCounts,
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

/** Queries planned per round, and whether citations are followed without being asked, by depth. */
const ROUND_SETTINGS: Record<Config["depth"], { queries: number; followCitations: boolean }> = {
  quick: { queries: 2, followCitations: false },
  standard: { queries: 3, followCitations: false },
  deep: { queries: 5, followCitations: true },
};

/** Papers whose references and citing papers are followed, and how many of each per paper. */
const CITATION_SEEDS = 3;
const LINKS_PER_SEED = 20;

export interface AgentOutcome {
  collection: Collection;
  chunks: Map<string, Chunk>;
  evidence: Evidence[];
  /** The planned queries, round by round. */
  plans: PlannedQuery[][];
  /** The texts the chunks were ranked against (question, planned queries, hypothetical answers). */
  rankingQueries: string[];
  iterations: number;
  stopReason: string;
  /** What the last assessment said was still missing. */
  gaps: string[];
  stats: EvidenceStats;
  /** Whether any plan came from the model (false: the question's own words were used). */
  plannedByModel: boolean;
}

export async function runAgent(question: string, context: RunContext, llm: LlmClient, budget: Budget): Promise<AgentOutcome> {
  const { config, sources, logger } = context;
  const round = ROUND_SETTINGS[config.depth];
  const collection = await startCollection(config, sources);
  const names = activeSources(config, sources);
  const chunks = new Map<string, Chunk>();
  const judged = new Set<string>();
  const evidence: Evidence[] = [];
  const plans: PlannedQuery[][] = [];
  const sentQueries = new Set<string>();
  const stats: EvidenceStats = { judged: 0, declined: 0, failed: 0, quotesRejected: 0, merged: 0 };
  let rankingQueries: string[] = [question];
  // Hypothetical answers depend on the question alone: ask for them while the first round searches and reads.
  const { signal } = context;
  const hypothesesPending = budget.exhausted() === undefined ? writeHypotheses(question, llm, signal) : Promise.resolve([]);
  let assessment: Assessment | undefined;
  let plannedByModel = false;
  let stopReason = `--max-iterations ${config.maxIterations} reached`;
  let iterations = 0;
  let chunkIndex: ChunkIndex | undefined;
  const report = (message: string, round: number) => {
    const counts = gatherCounts(collection);
    const usage = llm.usage();
    context.progress.step(message, {
      round,
      found: counts.found,
      papers: collection.papers.size,
      fullText: counts.fullText,
      evidence: evidence.length,
      llmCalls: usage.calls,
      tokens: usage.promptTokens + usage.completionTokens,
      costUsd: usage.costUsd,
    });
  };

  for (let iteration = 1; iteration <= config.maxIterations; iteration += 1) {
    signal?.throwIfAborted();
    const spent = budget.exhausted();
    if (spent) {
      stopReason = spent;
      break;
    }
    iterations = iteration;
    const plan =
      assessment && assessment.queries.length > 0
        ? { queries: assessment.queries, fromModel: true }
        : await planQueries(question, llm, { count: round.queries, missing: assessment?.missing ?? [], previous: plans.flat(), ...(signal ? { signal } : {}) });
    plannedByModel ||= plan.fromModel;
    plans.push(plan.queries);
    report(`round ${iteration}: ${plan.queries.length} planned quer${plan.queries.length === 1 ? "y" : "ies"} × ${names.length} source(s)`, iteration);

    const toSend: SourceQuery[] = [];
    for (const query of plan.queries) {
      for (const source of names) {
        const text = renderPlannedQuery(source, query);
        if (!sentQueries.has(`${source}\u0000${text}`)) toSend.push({ source, query: text });
        sentQueries.add(`${source}\u0000${text}`);
      }
    }
    const logs = await searchInto(collection, toSend, config.searchLimit, sources);
    if (iteration === 1) reportFailedSearches(collection, logs, config, logger);
    if (iteration > 1 && (assessment?.followCitations || round.followCitations)) await followCitations(collection, evidence, context);

    const screeningText = [question, ...plan.queries.map(queryText)].join(" ");
    const candidates = screenRecords(screeningText, unreadCandidates(collection)).slice(0, budget.papersLeft());
    const read = await readInto(collection, candidates, config.fetchLimit, sources);
    budget.notePapers(read.length);
    const newPapers = iteration === 1 ? [...collection.papers.values()] : read;
    for (const paper of newPapers) {
      for (const chunk of chunkDocument(paper.document, { size: config.chunkSize, overlap: config.chunkOverlap })) chunks.set(chunk.id, chunk);
    }
    if (chunks.size === 0) {
      stopReason = "no readable papers were found";
      break;
    }

    const hypotheses = await hypothesesPending;
    signal?.throwIfAborted();
    rankingQueries = [...new Set([question, ...plans.flat().map(queryText), ...hypotheses])];
    const titles = paperTitles(collection);
    // The index is rebuilt only when a round brought new passages; judged ones are left out at query time.
    if (!chunkIndex || newPapers.length > 0) chunkIndex = buildChunkIndex([...chunks.values()], titles);
    const ranking = rankIndexedChunks(chunkIndex, rankingQueries, { topK: config.topK, perPaperCap: config.perPaperCap, exclude: judged });
    for (const { chunk } of ranking.ranked) judged.add(chunk.id);
    const extracted = await extractEvidence(question, ranking.ranked, titles, llm, { firstKey: evidence.length + 1, ...(signal ? { signal } : {}) });
    signal?.throwIfAborted();
    evidence.push(...extracted.evidence);
    addStats(stats, extracted.stats);
    report(`round ${iteration}: ${read.length} new paper(s), ${ranking.ranked.length} passage(s) judged, ${extracted.evidence.length} kept as evidence`, iteration);

    const afterEvidence = budget.exhausted();
    if (afterEvidence) {
      stopReason = afterEvidence;
      break;
    }
    if (iteration === config.maxIterations) break;
    assessment = await assessEvidence(question, evidence, llm, signal);
    if (assessment.sufficient) {
      stopReason = "the evidence was judged sufficient";
      break;
    }
    const passagesLeft = [...chunks.keys()].some((id) => !judged.has(id));
    if (names.length === 0 && !passagesLeft) {
      stopReason = "every passage of the papers available has been judged";
      break;
    }
  }
  return {
    collection,
    chunks,
    evidence,
    plans,
    rankingQueries,
    iterations,
    stopReason,
    gaps: assessment?.sufficient === false ? assessment.missing : [],
    stats,
    plannedByModel,
  };
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

function paperTitles(collection: Collection): Map<string, string> {
  return new Map([...collection.papers].map(([id, paper]) => [id, paper.record.title]));
}

function addStats(total: EvidenceStats, more: EvidenceStats): void {
  for (const key of Object.keys(total) as (keyof EvidenceStats)[]) total[key] += more[key];
}
