// BM25F search over any documents with named text fields. wink-bm25-text-search builds the index
// (tokens through our tokenizer, field weights, k1, b, idf, and the consolidated per-document term
// weights); scoring reads those consolidated weights through flat posting arrays with a top-k heap,
// because wink's own `search` calls a filter per posting and sorts every matched document.
import bm25 from "wink-bm25-text-search";
import { tokenize } from "./tokenizer.js";

export interface IndexedDocument {
  id: string;
  /** Field name → text. A field missing from a document counts as empty. */
  fields: Record<string, string>;
}

export interface Bm25Options {
  /** Multiplier of a field's term frequencies (and length). Fields not named here weigh 1. */
  fieldWeights: Record<string, number>;
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation, 0 (none) to 1 (full). */
  b: number;
}

/**
 * Titles name what a text is about, so a title term counts twice. k1 1.2 / b 0.75 are Robertson's
 * classic settings (and wink's defaults): passages of full text vary in length far more than
 * abstracts, so full length normalisation suits `ask`. On abstracts they are as good as Anserini's
 * k1 0.9 / b 0.4 (SciFact nDCG@10 0.703 against 0.704, PubMedQA equal) and better on MED (0.704
 * against 0.683).
 */
export const DEFAULT_BM25_OPTIONS: Bm25Options = {
  fieldWeights: { title: 2, heading: 1, text: 1 },
  k1: 1.2,
  b: 0.75,
};

export interface SearchHit {
  id: string;
  score: number;
}

export interface SearchIndex {
  /** Number of documents indexed. */
  readonly size: number;
  /** The best `limit` documents for the query text, best first; [] when no query term is indexed. */
  search(query: string, limit: number): SearchHit[];
  /** Like `search`, for already tokenized terms each with its own weight (query expansion). */
  searchTerms(terms: ReadonlyMap<string, number>, limit: number): SearchHit[];
  /**
   * Inverse document frequency of a token as the index computes it. A token in no document gets
   * the highest value, log(1 + (N + 0.5) / 0.5): it is as rare as a term can be.
   */
  idf(term: string): number;
  /** The document's tokens with their BM25 weights (saturated term frequency × idf). */
  documentTerms(id: string): Map<string, number>;
}

/**
 * A query's terms, each with weight 1: a repeated query word (or the parts of a compound that
 * also match on their own) should not count twice. This is BM25 with k3 = 0; wink's own search
 * counts every repetition instead.
 */
export function queryTerms(query: string): Map<string, number> {
  return new Map(tokenize(query).map((token) => [token, 1]));
}

/** wink refuses to consolidate fewer documents than this. */
const WINK_MINIMUM_DOCUMENTS = 3;
/** Decimal places wink keeps of each consolidated weight (its minimum, the cheapest). */
const WEIGHT_PRECISION = 4;

/**
 * Builds the index. Collections smaller than three documents are padded with empty placeholder
 * documents: they have no terms so they can never be returned, but they do count in the document
 * total and the average length, which makes idf and length normalisation those of a three-document
 * collection (the order of results is unaffected for a single document).
 */
export function buildIndex(documents: readonly IndexedDocument[], options: Partial<Bm25Options> = {}): SearchIndex {
  const settings = { ...DEFAULT_BM25_OPTIONS, ...options };
  const fieldWeights = effectiveFieldWeights(documents, settings.fieldWeights);
  const fieldNames = Object.keys(fieldWeights);

  const engine = bm25();
  engine.defineConfig({ fldWeights: fieldWeights, bm25Params: { k1: settings.k1, b: settings.b } });
  engine.definePrepTasks([tokenize]);
  const positions = new Map<string, number>();
  const total = Math.max(documents.length, WINK_MINIMUM_DOCUMENTS);
  for (let position = 0; position < total; position += 1) {
    const document = documents[position];
    if (document) {
      if (positions.has(document.id)) throw new Error(`duplicate document id in the index: ${JSON.stringify(document.id)}`);
      positions.set(document.id, position);
    }
    const fields: Record<string, string> = {};
    for (const name of fieldNames) fields[name] = document?.fields[name] ?? "";
    engine.addDoc(fields, String(position));
  }
  engine.consolidate(WEIGHT_PRECISION);
  return new PostingsIndex(
    documents.map((document) => document.id),
    positions,
    engine,
  );
}

/** The configured weights plus weight 1 for any other field the documents carry; weight ≤ 0 drops a field. */
function effectiveFieldWeights(documents: readonly IndexedDocument[], configured: Record<string, number>): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const [name, weight] of Object.entries(configured)) if (weight > 0) weights[name] = weight;
  for (const document of documents) {
    for (const name in document.fields) if (!(name in configured)) weights[name] = 1;
  }
  // wink needs at least one field even when there is nothing to index.
  if (Object.keys(weights).length === 0) weights.text = 1;
  return weights;
}

/**
 * wink's consolidated weights in flat arrays, both ways: document → (term, weight) for query
 * expansion, and term → (document, weight) posting lists for scoring.
 */
class PostingsIndex implements SearchIndex {
  readonly size: number;
  /** wink's token → term number. */
  private readonly vocabulary: Readonly<Record<string, number>>;
  private readonly idfByTerm: readonly number[];
  /** Term number → token, built on first use (only query expansion needs it). */
  private tokens: string[] | undefined;
  private readonly unseenIdf: number;
  private readonly documentStarts: Int32Array;
  private readonly termsOfDocuments: Int32Array;
  private readonly documentWeights: Float64Array;
  private readonly termStarts: Int32Array;
  private readonly postingDocuments: Int32Array;
  private readonly postingWeights: Float64Array;
  /** Per-search accumulators, reused: searches are synchronous, so one set serves them all. */
  private readonly scores: Float64Array;
  private readonly touched: Int32Array;

  constructor(
    private readonly ids: readonly string[],
    private readonly positions: ReadonlyMap<string, number>,
    engine: ReturnType<typeof bm25>,
  ) {
    this.size = ids.length;
    this.vocabulary = engine.getTokens();
    this.idfByTerm = engine.getIDF();
    // wink's idf, log(1 + (N - n + 0.5) / (n + 0.5)), at n = 0; N counts any placeholder documents.
    const documentTotal = engine.getTotalDocs();
    this.unseenIdf = Math.log(1 + (documentTotal + 0.5) / 0.5);
    const winkDocuments = engine.getDocs();
    const vocabularySize = this.idfByTerm.length;

    // Document → (term, weight), read once from wink's per-document weights.
    const documentTerms: number[] = [];
    const documentWeights: number[] = [];
    this.documentStarts = new Int32Array(ids.length + 1);
    const postingCounts = new Int32Array(vocabularySize + 1);
    for (let position = 0; position < ids.length; position += 1) {
      const frequencies = winkDocuments[String(position)]?.freq ?? {};
      for (const key in frequencies) {
        const term = Number(key);
        const weight = frequencies[term] ?? 0;
        // wink rounds weights to 4 decimals; a term that rounded to 0 adds nothing to a score.
        if (weight <= 0) continue;
        documentTerms.push(term);
        documentWeights.push(weight);
        postingCounts[term + 1] = (postingCounts[term + 1] ?? 0) + 1;
      }
      this.documentStarts[position + 1] = documentTerms.length;
    }
    this.termsOfDocuments = Int32Array.from(documentTerms);
    this.documentWeights = Float64Array.from(documentWeights);

    // Term → (document, weight): a counting sort of the same entries.
    for (let term = 1; term <= vocabularySize; term += 1) postingCounts[term] = (postingCounts[term] ?? 0) + (postingCounts[term - 1] ?? 0);
    this.termStarts = postingCounts.slice();
    this.postingDocuments = new Int32Array(documentTerms.length);
    this.postingWeights = new Float64Array(documentTerms.length);
    const next = postingCounts;
    for (let position = 0; position < ids.length; position += 1) {
      const end = this.documentStarts[position + 1] ?? 0;
      for (let entry = this.documentStarts[position] ?? 0; entry < end; entry += 1) {
        const term = this.termsOfDocuments[entry] ?? 0;
        const slot = next[term] ?? 0;
        next[term] = slot + 1;
        this.postingDocuments[slot] = position;
        this.postingWeights[slot] = this.documentWeights[entry] ?? 0;
      }
    }
    this.scores = new Float64Array(ids.length);
    this.touched = new Int32Array(ids.length);
  }

  search(query: string, limit: number): SearchHit[] {
    return this.searchTerms(queryTerms(query), limit);
  }

  searchTerms(terms: ReadonlyMap<string, number>, limit: number): SearchHit[] {
    const { scores, touched, postingDocuments, postingWeights, termStarts } = this;
    let touchedCount = 0;
    for (const [token, queryWeight] of terms) {
      const term = this.vocabulary[token];
      if (term === undefined || !(queryWeight > 0)) continue;
      const end = termStarts[term + 1] ?? 0;
      for (let posting = termStarts[term] ?? 0; posting < end; posting += 1) {
        const document = postingDocuments[posting] ?? 0;
        // Every stored weight is positive, so a zero score means "not seen yet".
        const previous = scores[document] ?? 0;
        if (previous === 0) touched[touchedCount++] = document;
        scores[document] = previous + queryWeight * (postingWeights[posting] ?? 0);
      }
    }
    const best = topScoring(scores, touched, touchedCount, limit);
    const hits = best.map((position) => ({ id: this.ids[position] ?? "", score: scores[position] ?? 0 }));
    for (let index = 0; index < touchedCount; index += 1) scores[touched[index] ?? 0] = 0;
    return hits;
  }

  idf(term: string): number {
    const index = this.vocabulary[term];
    return index === undefined ? this.unseenIdf : (this.idfByTerm[index] ?? 0);
  }

  documentTerms(id: string): Map<string, number> {
    const terms = new Map<string, number>();
    const position = this.positions.get(id);
    if (position === undefined) return terms;
    this.tokens ??= invert(this.vocabulary);
    const end = this.documentStarts[position + 1] ?? 0;
    for (let entry = this.documentStarts[position] ?? 0; entry < end; entry += 1) {
      terms.set(this.tokens[this.termsOfDocuments[entry] ?? 0] ?? "", this.documentWeights[entry] ?? 0);
    }
    return terms;
  }
}

function invert(vocabulary: Readonly<Record<string, number>>): string[] {
  const tokens: string[] = [];
  for (const token in vocabulary) tokens[vocabulary[token] ?? 0] = token;
  return tokens;
}

/**
 * Positions of the `limit` highest scores among the touched ones, best first (ties: earlier
 * document first), through a bounded min-heap: O(n log limit) instead of sorting every match.
 */
function topScoring(scores: Float64Array, touched: Int32Array, touchedCount: number, limit: number): number[] {
  const capacity = Math.min(Math.max(0, Math.floor(limit)), touchedCount);
  if (capacity === 0) return [];
  const heap = new Int32Array(capacity);
  let size = 0;
  // `a` ranks below `b`: lower score, or the same score and a later document.
  const below = (a: number, b: number): boolean => {
    const scoreA = scores[a] ?? 0;
    const scoreB = scores[b] ?? 0;
    return scoreA < scoreB || (scoreA === scoreB && a > b);
  };
  const siftDown = (from: number): void => {
    let parent = from;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && below(heap[right] ?? 0, heap[left] ?? 0) ? right : left;
      if (!below(heap[child] ?? 0, heap[parent] ?? 0)) return;
      const swap = heap[parent] ?? 0;
      heap[parent] = heap[child] ?? 0;
      heap[child] = swap;
      parent = child;
    }
  };
  for (let index = 0; index < touchedCount; index += 1) {
    const document = touched[index] ?? 0;
    if (size < capacity) {
      let child = size++;
      heap[child] = document;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!below(heap[child] ?? 0, heap[parent] ?? 0)) break;
        const swap = heap[parent] ?? 0;
        heap[parent] = heap[child] ?? 0;
        heap[child] = swap;
        child = parent;
      }
    } else if (below(heap[0] ?? 0, document)) {
      heap[0] = document;
      siftDown(0);
    }
  }
  return Array.from(heap).sort((a, b) => (below(a, b) ? 1 : below(b, a) ? -1 : 0));
}
