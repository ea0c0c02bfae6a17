// Seeded shuffling for benchmark options: the same seed gives the same order on every machine and
// Node version, so a recorded seed reproduces what the model was shown.
import { createHash } from "node:crypto";

/** mulberry32: a small, well-mixed 32-bit PRNG; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `items` in a seeded random order (Fisher–Yates). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const shuffled = [...items];
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other] as T, shuffled[index] as T];
  }
  return shuffled;
}

/**
 * The shuffle seed of one question in one run: the run's seed mixed with the question's id, so that
 * questions with as many options are not all shuffled into the same order within a run.
 */
export function questionSeed(runSeed: number, questionId: string): number {
  return createHash("sha256").update(`${runSeed}\u0000${questionId}`).digest().readUInt32BE(0);
}
