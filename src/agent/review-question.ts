// The pipeline without a language model: search and read (sources and local library) → chunks →
// ranking → extractive review. Later issues put the language model in front of and behind the
// same stages.
import { performance } from "node:perf_hooks";
import type { RunContext } from "../context.js";
import { RunError, UsageError } from "../errors.js";
import { chunkDocument } from "../index/chunker.js";
import { RANKING_DESCRIPTION, rankChunks } from "../index/fusion.js";
import { DEFAULT_EXTRACTIVE_OPTIONS, selectExtractiveAnswer, type SentenceCandidate } from "../review/extractive.js";
import { CitationRegistry, buildReferences } from "../review/references.js";
import { REVIEW_SCHEMA_VERSION, type Quote, type Review } from "../review/schema.js";
import { SOURCE_LABELS, type Config, type SearchSource } from "../config.js";
import { gatherByKeywords, gatherCounts, type Collection } from "./gather.js";
import type { PaperRecord } from "../types.js";

export async function reviewQuestion(question: string, context: RunContext): Promise<Review> {
  const { config, logger } = context;
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };

  if (config.library.length === 0 && config.sources?.length === 0) {
    throw new UsageError("nothing to search: --sources none needs a local library (--library PATH)");
  }
  const collection = await timed("gather", () => gatherByKeywords(question, config, context.sources));
  const counts = gatherCounts(collection);
  const gathered = { papers: [...collection.papers.values()], library: collection.library, searches: collection.searches, counts };
  if (gathered.papers.length === 0) throw new RunError(nothingFoundMessage(config, collection));
  logger.info(
    `read ${gathered.papers.length} paper(s): ${gathered.counts.fullText} in full text, ${gathered.counts.abstractOnly} from the abstract only`,
  );
  if (config.llm) {
    logger.info("no language model is available yet: writing an extractive review from quoted passages (--no-llm silences this)");
  }

  const records = new Map<string, PaperRecord>(gathered.papers.map(({ record }) => [record.id, record]));
  const access = new Map(gathered.papers.map(({ record, document }) => [record.id, document]));
  const chunks = await timed("chunk", () =>
    gathered.papers.flatMap(({ document }) => chunkDocument(document, { size: config.chunkSize, overlap: config.chunkOverlap })),
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
      sources: describeSources(config, gathered),
      searches: gathered.searches,
      queries,
      counts: {
        found: gathered.counts.found,
        papers: gathered.papers.length,
        fullTextSought: gathered.counts.fullTextSought,
        fullText: gathered.counts.fullText,
        abstractOnly: gathered.counts.abstractOnly,
        unavailable: gathered.counts.unavailable,
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
