import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { loadBeirCollection, readCorpus, readQrels, readQueries } from "../src/eval/beir.js";
import { evaluateRetrieval } from "../src/eval/retrieval.js";
import { makeTempDir } from "./helpers/temp.js";

function writeFiles(files: Record<string, string>): Record<string, string> {
  const dir = makeTempDir("litreview-beir-");
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], content);
  }
  return paths;
}

const CORPUS = [
  { _id: "d1", title: "Mitochondria in lace plant cell death", text: "Mitochondrial dynamics during programmed cell death in the lace plant." },
  { _id: "d2", title: "", text: "Ferroptosis is an iron-dependent form of regulated cell death." },
  { _id: "d3", text: "Tungsten hexafluoride boils at 17 degrees Celsius.", metadata: { source: "none" } },
  { _id: 4, title: "Autophagy", text: "Autophagy recycles organelles in starving yeast." },
]
  .map((line) => JSON.stringify(line))
  .join("\n");
const QUERIES = [
  { _id: "q1", text: "Do mitochondria remodel lace plant leaves?" },
  { _id: "q2", text: "What makes ferroptosis iron dependent?" },
  { _id: "q3", text: "A query whose only judgment is not relevant" },
  { _id: "q4", text: "autophagy in yeast" },
]
  .map((line) => JSON.stringify(line))
  .join("\n");
const QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t0\nq4\t4\t2\r\n";

async function expectUsageError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message).not.toContain("\n");
  expect(message).toMatch(pattern);
}

describe("BEIR loaders", () => {
  it("read a corpus (missing title, numeric id, extra fields), queries and qrels", async () => {
    const paths = writeFiles({ "corpus.jsonl": `${CORPUS}\n\n`, "queries.jsonl": QUERIES, "qrels.tsv": QRELS });
    const collection = await loadBeirCollection({ corpus: paths["corpus.jsonl"] ?? "", queries: paths["queries.jsonl"] ?? "", qrels: paths["qrels.tsv"] ?? "" });
    expect(collection.corpus).toHaveLength(4);
    expect(collection.corpus[2]).toEqual({ id: "d3", title: "", text: "Tungsten hexafluoride boils at 17 degrees Celsius." });
    expect(collection.corpus[3]?.id).toBe("4");
    expect(collection.queries.map((query) => query.id)).toEqual(["q1", "q2", "q3", "q4"]);
    expect(collection.qrels.get("q4")?.get("4")).toBe(2);
    expect(collection.qrels.get("q3")?.get("d3")).toBe(0);
  });

  it("names the file and line of a malformed line in one line", async () => {
    const paths = writeFiles({
      "bad-json.jsonl": `${JSON.stringify({ _id: "a", text: "ok" })}\n{"_id": "b", "text": \n`,
      "no-text.jsonl": `${JSON.stringify({ _id: "a", text: "ok" })}\n${JSON.stringify({ _id: "b", title: "t" })}\n`,
      "duplicate.jsonl": `${JSON.stringify({ _id: "a", text: "x" })}\n${JSON.stringify({ _id: "a", text: "y" })}\n`,
      "empty-id.jsonl": `${JSON.stringify({ _id: "", text: "x" })}\n`,
      "bad-score.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\thigh\n",
      "short.tsv": "query-id\tcorpus-id\tscore\nq1\td1\n",
      "no-header.tsv": "q1\td1\t1\n",
      "empty.jsonl": "\n",
    });
    const path = (name: string) => paths[name] ?? "";
    await expectUsageError(readCorpus(path("bad-json.jsonl")), /bad-json\.jsonl:2: not valid JSON/);
    await expectUsageError(readCorpus(path("no-text.jsonl")), /no-text\.jsonl:2: text: /);
    await expectUsageError(readQueries(path("duplicate.jsonl")), /duplicate\.jsonl:2: duplicate query _id "a"/);
    await expectUsageError(readCorpus(path("empty-id.jsonl")), /empty-id\.jsonl:1: _id: must not be empty/);
    await expectUsageError(readQrels(path("bad-score.tsv")), /bad-score\.tsv:3: score: must be a whole number/);
    await expectUsageError(readQrels(path("short.tsv")), /short\.tsv:2: expected 3 tab-separated columns \(query-id, corpus-id, score\), found 2/);
    await expectUsageError(readQrels(path("no-header.tsv")), /no-header\.tsv:1: expected the header/);
    await expectUsageError(readCorpus(path("empty.jsonl")), /empty\.jsonl: holds no documents/);
    await expectUsageError(readCorpus(join(makeTempDir(), "missing.jsonl")), /cannot read .*missing\.jsonl: no such file/);
  });
});

describe("evaluateRetrieval", () => {
  it("ranks the corpus for each judged query and averages the metrics, skipping queries without relevant documents", async () => {
    const paths = writeFiles({ "corpus.jsonl": CORPUS, "queries.jsonl": QUERIES, "qrels.tsv": QRELS });
    const collection = await loadBeirCollection({ corpus: paths["corpus.jsonl"] ?? "", queries: paths["queries.jsonl"] ?? "", qrels: paths["qrels.tsv"] ?? "" });
    const metrics = evaluateRetrieval({ ...collection, k: 10 });
    expect(metrics).toEqual({ queries: 3, "recall@1": 1, "recall@10": 1, "mrr@10": 1, "ndcg@10": 1 });
    expect(Object.keys(evaluateRetrieval({ ...collection, k: 3 }))).toEqual(["queries", "recall@1", "recall@3", "mrr@3", "ndcg@3"]);
  });
});
