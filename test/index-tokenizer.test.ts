import { describe, expect, it } from "vitest";
import { clearTokenMemo, tokenize } from "../src/index/tokenizer.js";

describe("tokenize", () => {
  it("returns nothing for empty or blank text", () => {
    expect(tokenize("")).toEqual([]);
    expect(tokenize("  \n\t ")).toEqual([]);
    expect(tokenize("— , ; …")).toEqual([]);
  });

  it("lower-cases, drops stop words and stems ordinary words", () => {
    expect(tokenize("The mutations were studied in these Cells")).toEqual(["mutat", "studi", "cell"]);
  });

  it("keeps gene symbols and numbers as written, without stemming them", () => {
    expect(tokenize("TP53 and p53")).toEqual(["tp53", "p53"]);
    expect(tokenize("p < 0.05 in 1.5 mg")).toEqual(["p", "0.05", "1.5", "mg"]);
    expect(tokenize("Fig. 2")).toEqual(["fig", "2"]);
  });

  it("lets IL-6, IL6 and interleukin-6 meet on the joined symbol", () => {
    expect(tokenize("IL-6")).toEqual(["il6", "il", "6"]);
    expect(tokenize("IL6")).toEqual(["il6"]);
    expect(tokenize("interleukin-6")).toEqual(["interleukin6", "il6", "interleukin", "6"]);
  });

  it("spells out Greek letters, alone or inside a symbol", () => {
    expect(tokenize("TNF-α")).toEqual(["tnfalpha", "tnf", "alpha"]);
    expect(tokenize("TNFα")).toEqual(["tnfalpha", "tnf", "alpha"]);
    expect(tokenize("TNF-alpha")).toEqual(["tnfalpha", "tnf", "alpha"]);
    expect(tokenize("β-catenin")).toEqual(["betacatenin", "beta", "catenin"]);
  });

  it("emits a hyphenated compound joined and as its parts, so the spaced form matches", () => {
    const hyphenated = tokenize("cell-free DNA");
    expect(hyphenated).toEqual(["cellfre", "cell", "free", "dna"]);
    for (const token of tokenize("cell free DNA")) expect(hyphenated).toContain(token);
    expect(tokenize("COVID‐19")).toEqual(["covid19", "covid", "19"]); // U+2010 hyphen
  });

  it("splits numeric ranges into numbers instead of joining them", () => {
    expect(tokenize("10-20 patients")).toEqual(["10", "20", "patient"]);
  });

  it("folds diacritics and drops elided endings", () => {
    expect(tokenize("naïve Sjögren's")).toEqual(["naiv", "sjogren"]);
    expect(tokenize("Alzheimer’s disease")).toEqual(tokenize("alzheimer disease"));
    expect(tokenize("doesn't")).toEqual([]);
  });

  it("gives the same tokens on repeated calls (memoised) and for upper and lower case", () => {
    const text = "Mitochondrial dynamics in Programmed Cell Death";
    const first = tokenize(text);
    expect(tokenize(text)).toEqual(first);
    clearTokenMemo();
    expect(tokenize(text)).toEqual(first);
    expect(tokenize(text.toUpperCase())).toEqual(tokenize(text.toLowerCase()));
  });
});
