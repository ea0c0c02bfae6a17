// `npm run bench`: our tokenizer + index + ranking against plain wink-bm25-text-search fed the usual
// wink-nlp-utils pipeline, in one process, on the bundled corpora. Speed on SciFact (5,183
// abstracts); quality on SciFact train and PubMedQA dev. Prints a table and PASS/MISS per target.
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import bm25 from "wink-bm25-text-search";
import nlp from "wink-nlp-utils";
import { loadBeirCollection, type BeirCollection, type BeirDocument } from "../eval/beir.js";
import { hasRelevant, ndcgAtK, recallAtK } from "../eval/metrics.js";
import { evaluateRetrieval } from "../eval/retrieval.js";
import { buildIndex, type SearchIndex } from "../index/bm25.js";
import { rankWithQueries } from "../index/fusion.js";
import { clearTokenMemo, tokenize } from "../index/tokenizer.js";

const REPETITIONS = 5;
const K = 10;
const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

const TARGETS = { pubmedqaRecall: 0.99, scifactNdcg: 0.7, indexSpeedup: 5, querySpeedup: 3 };

interface Engine {
  search(query: string, limit: number): string[];
}

/** The baseline as wink's documentation sets it up: its NLP pipeline, title + text, k1 0.9, b 0.4, its own search. */
function buildBaseline(corpus: readonly BeirDocument[]): Engine {
  const engine = bm25();
  engine.defineConfig({ fldWeights: { title: 1, text: 1 }, bm25Params: { k1: 0.9, b: 0.4 } });
  engine.definePrepTasks([nlp.string.lowerCase, nlp.string.tokenize0, nlp.tokens.removeWords, nlp.tokens.stem]);
  for (const document of corpus) engine.addDoc({ title: document.title, text: document.text }, document.id);
  engine.consolidate();
  return { search: (query, limit) => engine.search(query, limit).map(([id]) => id) };
}

/** wink's own share of any index it builds: addDoc and consolidate over input tokenized beforehand. */
function winkAloneSeconds(corpus: readonly BeirDocument[]): number {
  const tokenized = corpus.map((document) => ({ title: tokenize(document.title), text: tokenize(document.text) }));
  return seconds(() => {
    const engine = bm25();
    engine.defineConfig({ fldWeights: { title: 2, text: 1 }, bm25Params: { k1: 1.2, b: 0.75 } });
    engine.definePrepTasks([(tokens: string[]) => tokens]);
    tokenized.forEach((fields, position) => engine.addDoc(fields, String(position)));
    engine.consolidate();
  });
}

function buildOurs(corpus: readonly BeirDocument[]): SearchIndex {
  return buildIndex(corpus.map((document) => ({ id: document.id, fields: { title: document.title, text: document.text } })));
}

/** Ours as `ask` and `eval retrieval` rank: the shared ranking function over our index. */
function oursEngine(index: SearchIndex): Engine {
  return { search: (query, limit) => rankWithQueries(index, [query], { limit }).map((hit) => hit.id) };
}

function seconds(work: () => unknown): number {
  const started = performance.now();
  work();
  return (performance.now() - started) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Queries per second over all queries, median of the repetitions after one warm-up pass. */
function queriesPerSecond(engine: Engine, queries: readonly string[]): number {
  const pass = () => queries.length / seconds(() => queries.forEach((query) => engine.search(query, K)));
  pass();
  return median(Array.from({ length: REPETITIONS }, pass));
}

function quality(engine: Engine, collection: BeirCollection): { recall: number; ndcg: number } {
  let recall = 0;
  let ndcg = 0;
  let scored = 0;
  for (const query of collection.queries) {
    const judgments = collection.qrels.get(query.id);
    if (!hasRelevant(judgments)) continue;
    const ranked = engine.search(query.text, K);
    recall += recallAtK(ranked, judgments, K);
    ndcg += ndcgAtK(ranked, judgments, K);
    scored += 1;
  }
  return { recall: recall / scored, ndcg: ndcg / scored };
}

function verdict(pass: boolean): string {
  return pass ? "PASS" : "MISS";
}

const format = (value: number, digits = 3) => value.toFixed(digits);

async function main(): Promise<void> {
  const scifact = await loadBeirCollection({
    corpus: `${FIXTURES}scifact/corpus.jsonl`,
    queries: `${FIXTURES}scifact/queries-train.jsonl`,
    qrels: `${FIXTURES}scifact/qrels-train.tsv`,
  });
  const pubmedqa = await loadBeirCollection({
    corpus: `${FIXTURES}pubmedqa/corpus.jsonl`,
    queries: `${FIXTURES}pubmedqa/queries-dev.jsonl`,
    qrels: `${FIXTURES}pubmedqa/qrels-dev.tsv`,
  });
  const megabytes = scifact.corpus.reduce((sum, document) => sum + Buffer.byteLength(document.title) + Buffer.byteLength(document.text), 0) / 1e6;
  console.log(`SciFact: ${scifact.corpus.length} documents, ${format(megabytes, 2)} MB of title + text, ${scifact.queries.length} queries`);
  console.log(`Indexing: first build in this process, then the median of ${REPETITIONS} builds\n`);

  // First builds, ours first: it meets wink's code cold, the baseline then finds it compiled.
  const oursFirst = seconds(() => buildOurs(scifact.corpus));
  const baselineFirst = seconds(() => buildBaseline(scifact.corpus));
  // Then interleaved, so that both meet the same heap and collector: baseline, ours with a cold
  // token memo (every build stems its vocabulary afresh, as the first index of a run does), ours
  // with a warm memo (the vocabulary was seen before, as for the later questions of a batch).
  const baselineTimes: number[] = [];
  const winkAloneTimes: number[] = [];
  const oursColdMemoTimes: number[] = [];
  const oursWarmMemoTimes: number[] = [];
  for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
    baselineTimes.push(seconds(() => buildBaseline(scifact.corpus)));
    clearTokenMemo();
    oursColdMemoTimes.push(seconds(() => buildOurs(scifact.corpus)));
    oursWarmMemoTimes.push(seconds(() => buildOurs(scifact.corpus)));
    winkAloneTimes.push(winkAloneSeconds(scifact.corpus));
  }
  const baselineMedian = median(baselineTimes);
  const oursColdMemo = median(oursColdMemoTimes);
  const oursWarmMemo = median(oursWarmMemoTimes);

  const baselineEngine = buildBaseline(scifact.corpus);
  const oursIndex = buildOurs(scifact.corpus);
  const queryTexts = scifact.queries.map((query) => query.text);
  const baselineQps = queriesPerSecond(baselineEngine, queryTexts);
  const oursSearchQps = queriesPerSecond({ search: (query, limit) => oursIndex.search(query, limit).map((hit) => hit.id) }, queryTexts);
  const oursRankingQps = queriesPerSecond(oursEngine(oursIndex), queryTexts);

  const rows: Array<[string, string, string, string]> = [
    ["indexing", "baseline", "ours", "ours / baseline"],
    ["first build (s)", format(baselineFirst, 2), format(oursFirst, 2), `${format(baselineFirst / oursFirst, 1)}x`],
    ["median, cold token memo (s)", format(baselineMedian, 2), format(oursColdMemo, 2), `${format(baselineMedian / oursColdMemo, 1)}x`],
    ["median, warm token memo (s)", format(baselineMedian, 2), format(oursWarmMemo, 2), `${format(baselineMedian / oursWarmMemo, 1)}x`],
    ["wink alone, pre-tokenised (s)", "", format(median(winkAloneTimes), 2), `${format(baselineMedian / median(winkAloneTimes), 1)}x`],
    ["MB/s (median, cold memo)", format(megabytes / baselineMedian, 2), format(megabytes / oursColdMemo, 2), ""],
    ["MB/s (median, warm memo)", format(megabytes / baselineMedian, 2), format(megabytes / oursWarmMemo, 2), ""],
    ["queries/s (index search)", format(baselineQps, 0), format(oursSearchQps, 0), `${format(oursSearchQps / baselineQps, 1)}x`],
    ["queries/s (shared ranking)", format(baselineQps, 0), format(oursRankingQps, 0), `${format(oursRankingQps / baselineQps, 1)}x`],
  ];

  const oursScifact = evaluateRetrieval({ ...scifact, k: K });
  const oursPubmedqa = evaluateRetrieval({ ...pubmedqa, k: K });
  const baselineScifact = quality(baselineEngine, scifact);
  const baselinePubmedqa = quality(buildBaseline(pubmedqa.corpus), pubmedqa);
  const ours = {
    scifact: { recall: oursScifact[`recall@${K}`] ?? 0, ndcg: oursScifact[`ndcg@${K}`] ?? 0 },
    pubmedqa: { recall: oursPubmedqa[`recall@${K}`] ?? 0, ndcg: oursPubmedqa[`ndcg@${K}`] ?? 0 },
  };
  rows.push(
    ["quality", "baseline", "ours", "ours - baseline"],
    ["SciFact train recall@10", format(baselineScifact.recall), format(ours.scifact.recall), format(ours.scifact.recall - baselineScifact.recall)],
    ["SciFact train nDCG@10", format(baselineScifact.ndcg), format(ours.scifact.ndcg), format(ours.scifact.ndcg - baselineScifact.ndcg)],
    ["PubMedQA dev recall@10", format(baselinePubmedqa.recall), format(ours.pubmedqa.recall), format(ours.pubmedqa.recall - baselinePubmedqa.recall)],
    ["PubMedQA dev nDCG@10", format(baselinePubmedqa.ndcg), format(ours.pubmedqa.ndcg), format(ours.pubmedqa.ndcg - baselinePubmedqa.ndcg)],
  );
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  for (const row of rows) {
    const line = row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ");
    console.log(row[1] === "baseline" ? `\n${line}` : line);
  }

  const indexSpeedup = baselineMedian / oursColdMemo;
  const querySpeedup = oursRankingQps / baselineQps;
  console.log("\ntargets");
  const targets: Array<[string, boolean]> = [
    [`PubMedQA recall@10 >= ${TARGETS.pubmedqaRecall} (${format(ours.pubmedqa.recall)})`, ours.pubmedqa.recall >= TARGETS.pubmedqaRecall],
    [`SciFact nDCG@10 >= ${TARGETS.scifactNdcg} (${format(ours.scifact.ndcg)})`, ours.scifact.ndcg >= TARGETS.scifactNdcg],
    [
      `indexing >= ${TARGETS.indexSpeedup}x the baseline, median with a cold token memo (${format(indexSpeedup, 1)}x; warm memo ${format(baselineMedian / oursWarmMemo, 1)}x)`,
      indexSpeedup >= TARGETS.indexSpeedup,
    ],
    [`queries >= ${TARGETS.querySpeedup}x the baseline, shared ranking (${format(querySpeedup, 1)}x)`, querySpeedup >= TARGETS.querySpeedup],
    [
      "recall@10 and nDCG@10 no worse than the baseline on both collections",
      ours.scifact.recall >= baselineScifact.recall &&
        ours.scifact.ndcg >= baselineScifact.ndcg &&
        ours.pubmedqa.recall >= baselinePubmedqa.recall &&
        ours.pubmedqa.ndcg >= baselinePubmedqa.ndcg,
    ],
  ];
  for (const [description, pass] of targets) console.log(`${verdict(pass)}  ${description}`);
}

await main();
