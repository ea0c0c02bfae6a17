// The offline pipeline: local library → documents → chunks → ranking → extractive review.
// Later issues put search, full-text fetching and the language model in front of and behind the
// same stages.
import { performance } from "node:perf_hooks";
import type { RunContext } from "../context.js";
import { RunError, UsageError } from "../errors.js";
import { chunkDocument } from "../index/chunker.js";
import { RANKING_DESCRIPTION, rankChunks } from "../index/fusion.js";
import { DEFAULT_EXTRACTIVE_OPTIONS, selectExtractiveAnswer, type SentenceCandidate } from "../review/extractive.js";
import { CitationRegistry, buildReferences } from "../review/references.js";
import { REVIEW_SCHEMA_VERSION, type Quote, type Review } from "../review/schema.js";
import { loadLibrary } from "../sources/library.js";
import type { Access, PaperRecord } from "../types.js";

export async function reviewQuestion(question: string, context: RunContext): Promise<Review> {
  const { config, logger } = context;
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };

  if (config.library.length === 0) {
    throw new UsageError("nothing to search: give a local library with --library PATH (online sources are not available yet)");
  }

  const library = await timed("load", () => loadLibrary(config.library, logger));
  if (library.papers.length === 0) {
    throw new RunError(
      `no readable papers in ${config.library.join(", ")} (${library.filesSeen} file(s) seen, ${library.skipped.length} skipped as unreadable)`,
    );
  }
  logger.info(`loaded ${library.papers.length} paper(s) from ${config.library.join(", ")}`);
  if (config.llm) {
    logger.info("no language model is available yet: writing an extractive review from quoted passages (--no-llm silences this)");
  }

  const records = new Map<string, PaperRecord>(library.papers.map(({ record }) => [record.id, record]));
  const access = new Map<string, Access>(library.papers.map(({ record, document }) => [record.id, document.access]));
  const chunks = await timed("chunk", () =>
    library.papers.flatMap(({ document }) => chunkDocument(document, { size: config.chunkSize, overlap: config.chunkOverlap })),
  );
  const queries = [question];
  const titles = new Map([...records].map(([id, record]) => [id, record.title]));
  const ranking = await timed("rank", () =>
    rankChunks(chunks, titles, queries, { topK: config.topK, perPaperCap: config.perPaperCap }),
  );
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
  const references = buildReferences(registry, records, access);

  const answer = answerQuotes.map((quote) => `"${quote.text}" [${quote.citation}]`).join(" ");
  return {
    schemaVersion: REVIEW_SCHEMA_VERSION,
    question,
    status: selection.status,
    mode: "extractive",
    answer: selection.status === "answered" ? answer : `Insufficient evidence. ${answer}`.trim(),
    answerQuotes,
    findings,
    references,
    methods: {
      sources: [
        {
          source: "local library",
          location: config.library.join(", "),
          papers: library.papers.length,
          filesSkipped: library.skipped.length,
        },
      ],
      queries,
      counts: {
        papers: library.papers.length,
        fullText: [...access.values()].filter((value) => value === "fulltext").length,
        abstractOnly: [...access.values()].filter((value) => value === "abstract-only").length,
        chunks: chunks.length,
        rankedChunks: ranking.ranked.length,
        papersQuoted: new Set(selection.findings.map((sentence) => sentence.paperId)).size,
        cited: references.length,
      },
      ranking: {
        chunkSize: config.chunkSize,
        chunkOverlap: config.chunkOverlap,
        topK: config.topK,
        perPaperCap: config.perPaperCap,
        description: RANKING_DESCRIPTION,
      },
    },
    timings,
    generatedAt: context.now().toISOString(),
    version: context.version,
  };
}

/** Findings grouped paper by paper, papers in order of their best sentence, sentences by score. */
function orderByPaper(sentences: SentenceCandidate[]): SentenceCandidate[] {
  const paperOrder = new Map<string, number>();
  for (const sentence of sentences) if (!paperOrder.has(sentence.paperId)) paperOrder.set(sentence.paperId, paperOrder.size);
  return [...sentences].sort((a, b) => (paperOrder.get(a.paperId) ?? 0) - (paperOrder.get(b.paperId) ?? 0) || b.score - a.score);
}
