import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { makeTempDir } from "./helpers/temp.js";

const PUBMEDQA = ["--corpus", "fixtures/pubmedqa/corpus.jsonl", "--queries", "fixtures/pubmedqa/queries-dev.jsonl", "--qrels", "fixtures/pubmedqa/qrels-dev.tsv"];

describe("litreview eval retrieval", () => {
  it("prints the metrics as one JSON object, with PubMedQA dev recall@10 of at least 0.99", async () => {
    const result = await runCli(["eval", "retrieval", ...PUBMEDQA, "--json"]);
    expect(result.code).toBe(0);
    const metrics = JSON.parse(result.stdout);
    expect(Object.keys(metrics)).toEqual(["queries", "recall@1", "recall@10", "mrr@10", "ndcg@10"]);
    expect(metrics.queries).toBe(500);
    expect(metrics["recall@10"]).toBeGreaterThanOrEqual(0.99);
  });

  it("names the metrics after --k and prints a table without --json", async () => {
    const result = await runCli(["eval", "retrieval", ...PUBMEDQA, "--k", "5", "--quiet"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^queries\s+500\nrecall@1\s+0\.\d{4}\nrecall@5\s+0\.\d{4}\nmrr@5\s+0\.\d{4}\nndcg@5\s+0\.\d{4}\n$/);
  });

  it("rejects a bad --k and a malformed qrels file with one line and exit code 2", async () => {
    const badK = await runCli(["eval", "retrieval", ...PUBMEDQA, "--k", "0"]);
    expect(badK.code).toBe(2);
    expect(badK.stderr.trim()).toBe('litreview: error: invalid value for --k: "0"; allowed: a whole number from 1 to 1000');
    const qrels = join(makeTempDir(), "qrels.tsv");
    writeFileSync(qrels, "query-id\tcorpus-id\tscore\nq1\t21645374\tmany\n");
    const badQrels = await runCli(["eval", "retrieval", ...PUBMEDQA.slice(0, 4), "--qrels", qrels]);
    expect(badQrels.code).toBe(2);
    expect(badQrels.stderr.trim()).toBe(`litreview: error: ${qrels}:2: score: must be a whole number`);
  });
});
