// Tokens for scientific text, used alike for documents and queries so both sides agree.
//
// One pass over the text finds "groups": runs of letters and digits joined by hyphens ("cell-free",
// "IL-6"), with decimal points kept inside numbers ("0.05"). Each group's tokens are memoised, so a
// repeated word costs one table lookup. A new plain ASCII word is lower-cased and stemmed (or
// dropped as a stop word); a group with hyphens or non-ASCII characters is decomposed (NFKD, no
// diacritics), Greek letters are spelled out ("TNF-α" and "TNFα" both become "tnfalpha" plus "tnf"
// and "alpha"), and a compound is emitted joined and as its parts, so "cell-free" matches
// "cell free" and "IL-6" matches "IL6".
import stem from "wink-porter2-stemmer";
import { STOP_WORDS } from "./stopwords.js";

/** Long names of gene families whose symbols are used as often: "interleukin-6" also gives "il6". */
const FAMILY_ALIASES: ReadonlyArray<readonly [string, string]> = [
  ["interleukin", "il"],
  ["interferon", "ifn"],
];

/** Memo value of a stop word. */
const DROPPED = "";

const GREEK_NAMES = [
  "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
  "nu", "xi", "omicron", "pi", "rho", "sigma", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
];
const GREEK_FIRST = 0x3b1; // α; the table runs to ω and includes the final sigma ς.

const enum Kind {
  Other = 0,
  Letter = 1,
  Digit = 2,
}

const ASCII_KIND = new Uint8Array(128);
for (let code = 48; code <= 57; code += 1) ASCII_KIND[code] = Kind.Digit;
for (let code = 97; code <= 122; code += 1) ASCII_KIND[code] = Kind.Letter;
for (let code = 65; code <= 90; code += 1) ASCII_KIND[code] = Kind.Letter;

const HYPHEN = 0x2d;
const UNICODE_HYPHEN = 0x2010;
const NON_BREAKING_HYPHEN = 0x2011;
const FULL_STOP = 0x2e;
const APOSTROPHE = 0x27;
const RIGHT_SINGLE_QUOTE = 0x2019;

/** Word-character verdicts for non-ASCII code units: 0 unknown, 1 word, 2 not a word. */
const nonAsciiVerdicts = new Uint8Array(0x10000);
const WORD_CHARACTER = /[\p{L}\p{N}\p{M}]/u;

function isNonAsciiWordChar(code: number): boolean {
  let verdict = nonAsciiVerdicts[code];
  if (verdict === 0) {
    // Surrogate halves are separators: astral-plane symbols are almost never search terms.
    const isWord = (code < 0xd800 || code > 0xdfff) && WORD_CHARACTER.test(String.fromCharCode(code));
    verdict = isWord ? 1 : 2;
    nonAsciiVerdicts[code] = verdict;
  }
  return verdict === 1;
}

function isWordChar(code: number): boolean {
  return code < 128 ? ASCII_KIND[code] !== Kind.Other : isNonAsciiWordChar(code);
}

function isHyphen(code: number): boolean {
  return code === HYPHEN || code === UNICODE_HYPHEN || code === NON_BREAKING_HYPHEN;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Index tokens of `text`: lower-cased, stop words removed, words stemmed (Porter2), numbers and
 * symbols containing digits kept as written ("tp53", "0.05").
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const length = text.length;
  let position = 0;
  while (position < length) {
    if (!isWordChar(text.charCodeAt(position))) {
      position += 1;
      continue;
    }
    const start = position;
    // FNV-1a over the ASCII-lower-cased code units, computed while scanning, keys the memo table.
    let hash = FNV_OFFSET;
    let simple = true;
    while (position < length) {
      let code = text.charCodeAt(position);
      if (code < 128) {
        const kind = ASCII_KIND[code];
        if (kind === Kind.Other) {
          const next = position + 1 < length ? text.charCodeAt(position + 1) : 0;
          if (code === HYPHEN && isWordChar(next)) {
            simple = false;
          } else if (!(code === FULL_STOP && isDigit(next) && isDigit(text.charCodeAt(position - 1)))) {
            // Anything but a hyphen inside a compound or a decimal point inside a number ends the group.
            break;
          }
        } else if (code <= 90 && code >= 65) {
          code += 32;
        }
      } else if (isNonAsciiWordChar(code) || (isHyphen(code) && position + 1 < length && isWordChar(text.charCodeAt(position + 1)))) {
        simple = false;
      } else {
        break;
      }
      hash = Math.imul(hash ^ code, FNV_PRIME);
      position += 1;
    }
    let value = memo.lookup(text, start, position, hash);
    if (value === undefined) {
      const group = text.slice(start, position);
      value = simple ? wordToken(group.toLowerCase()) : groupTokens(group.toLowerCase());
      memo.insert(group, hash, value);
    }
    if (typeof value === "string") {
      if (value !== DROPPED) tokens.push(value);
    } else {
      for (const token of value) tokens.push(token);
    }
    position = skipElision(text, position);
  }
  return tokens;
}

/** Skips the elided ending of "alzheimer's" or "don't" (an apostrophe and one or two letters). */
function skipElision(text: string, position: number): number {
  const code = text.charCodeAt(position);
  if (code !== APOSTROPHE && code !== RIGHT_SINGLE_QUOTE) return position;
  let end = position + 1;
  while (end < text.length && end - position <= 3 && ASCII_KIND[text.charCodeAt(end)] === Kind.Letter) end += 1;
  const letters = end - position - 1;
  if (letters < 1 || letters > 2 || (end < text.length && isWordChar(text.charCodeAt(end)))) return position;
  return end;
}

/** Token of one lower-case word: kept verbatim when it holds a digit, else its stem; DROPPED for a stop word. */
function wordToken(word: string): string {
  // Porter2 mangles symbols and numbers ("tp53" → "tp5i").
  if (/\d/.test(word)) return word;
  return STOP_WORDS.has(word) ? DROPPED : stem(word);
}

/** A hyphenated or non-ASCII group: the compound joined, its family alias, then each part. */
function groupTokens(group: string): string[] {
  const parts = groupParts(group);
  const tokens: string[] = [];
  const add = (word: string) => {
    const token = wordToken(word);
    if (token !== DROPPED) tokens.push(token);
  };
  // Ranges such as "10-20" are two numbers, not the number 1020.
  if (parts.length > 1 && !parts.every((part) => /^[\d.]+$/.test(part))) {
    const joined = parts.join("");
    add(joined);
    for (const [longName, symbol] of FAMILY_ALIASES) {
      if (joined.length > longName.length && joined.startsWith(longName)) tokens.push(symbol + joined.slice(longName.length));
    }
  }
  for (const part of parts) add(part);
  return tokens;
}

/**
 * Splits a group at hyphens and around Greek letters (spelled out), after NFKD decomposition with
 * the diacritics dropped: "tnf‐α" → ["tnf", "alpha"], "naïve" → ["naive"]. Characters that only
 * appear through the decomposition (the fraction slash of "½") separate parts.
 */
function groupParts(group: string): string[] {
  const decomposed = group.normalize("NFKD");
  const parts: string[] = [];
  let current = "";
  for (let index = 0; index < decomposed.length; index += 1) {
    const code = decomposed.charCodeAt(index);
    const greek = code >= GREEK_FIRST ? GREEK_NAMES[code - GREEK_FIRST] : undefined;
    if (code === FULL_STOP || (code < 128 ? ASCII_KIND[code] !== Kind.Other : greek === undefined && isNonAsciiWordChar(code))) {
      if (code < 128 || !COMBINING_MARK.test(decomposed.charAt(index))) current += decomposed.charAt(index);
      continue;
    }
    if (current) parts.push(current);
    current = "";
    if (greek !== undefined) parts.push(greek);
  }
  if (current) parts.push(current);
  return parts;
}

const COMBINING_MARK = /\p{M}/u;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * Memo of group → tokens. Word frequencies are Zipfian, so nearly every group is a hit. The table
 * is keyed on the hash computed during the scan and keeps its keys' code units in one flat pool,
 * so a lookup compares code units in place instead of slicing and re-hashing a string per word.
 * Bounded: when the table or the pool is full it starts over.
 */
const MEMO_SLOTS = 1 << 17;
const MEMO_MAX_ENTRIES = MEMO_SLOTS >> 1;
const MEMO_POOL_SIZE = 1 << 21;

class TokenMemo {
  private readonly hashes = new Int32Array(MEMO_SLOTS);
  /** Where each key's ASCII-lower-cased code units start in the pool, and how many; -1 marks a free slot. */
  private readonly keyStarts = new Int32Array(MEMO_SLOTS);
  private readonly keyLengths = new Int32Array(MEMO_SLOTS).fill(-1);
  private readonly pool = new Uint16Array(MEMO_POOL_SIZE);
  private poolUsed = 0;
  private readonly values = new Array<string | readonly string[]>(MEMO_SLOTS).fill(DROPPED);
  private entries = 0;

  lookup(text: string, start: number, end: number, hash: number): string | readonly string[] | undefined {
    const { hashes, keyStarts, keyLengths, pool } = this;
    const mask = MEMO_SLOTS - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const keyLength = keyLengths[slot] ?? -1;
      if (keyLength < 0) return undefined;
      if (hashes[slot] !== hash || keyLength !== length) continue;
      let at = keyStarts[slot] ?? 0;
      let position = start;
      for (; position < end; position += 1, at += 1) {
        let code = text.charCodeAt(position);
        if (code <= 90 && code >= 65) code += 32;
        if (code !== pool[at]) break;
      }
      if (position === end) return this.values[slot];
    }
  }

  clear(): void {
    this.keyLengths.fill(-1);
    this.entries = 0;
    this.poolUsed = 0;
  }

  insert(group: string, hash: number, value: string | readonly string[]): void {
    if (this.entries >= MEMO_MAX_ENTRIES || this.poolUsed + group.length > MEMO_POOL_SIZE) this.clear();
    const mask = MEMO_SLOTS - 1;
    let slot = hash & mask;
    while ((this.keyLengths[slot] ?? -1) >= 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.keyStarts[slot] = this.poolUsed;
    this.keyLengths[slot] = group.length;
    for (let index = 0; index < group.length; index += 1) {
      let code = group.charCodeAt(index);
      if (code <= 90 && code >= 65) code += 32;
      this.pool[this.poolUsed++] = code;
    }
    this.values[slot] = value;
    this.entries += 1;
  }
}

const memo = new TokenMemo();

/** Forgets every memoised group, so a benchmark can time tokenization from a cold start. */
export function clearTokenMemo(): void {
  memo.clear();
}
