// What a model costs, in US dollars per million tokens. The defaults are OpenAI's public list
// prices for standard (non-batch, uncached) chat completions, as listed on
// https://platform.openai.com/docs/pricing in March 2026. Users override or extend them with the
// `llmPrices` setting; a model with no price makes the run's cost unknown, never zero.

export interface ModelPrice {
  /** US dollars per million prompt tokens. */
  input: number;
  /** US dollars per million completion tokens. */
  output: number;
}

export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  o3: { input: 2, output: 8 },
  "o4-mini": { input: 1.1, output: 4.4 },
  "gpt-5": { input: 1.25, output: 10 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5-nano": { input: 0.05, output: 0.4 },
};

/** Dated snapshots (`gpt-4o-2024-08-06`) cost what their model costs. */
const SNAPSHOT_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

/** The price of a model: the exact name first, then the name without a snapshot date; undefined when unknown. */
export function priceOf(model: string, prices: Readonly<Record<string, ModelPrice>>): ModelPrice | undefined {
  for (const name of [model, model.replace(SNAPSHOT_SUFFIX, "")]) {
    if (Object.hasOwn(prices, name)) return prices[name];
  }
  return undefined;
}

/** The cost of one response in US dollars. */
export function costUsd(price: ModelPrice, promptTokens: number, completionTokens: number): number {
  return (price.input * promptTokens + price.output * completionTokens) / 1_000_000;
}
