// The published JSON Schema of `--format json`, derived from the zod ReviewSchema so the two cannot drift:
// `npm run schema` writes it to docs/review.schema.json and a test fails when that file is stale.
import { z } from "zod";
import { REVIEW_SCHEMA_VERSION, ReviewSchema } from "./schema.js";

/** Where the published schema lives, relative to the repository root. */
export const REVIEW_SCHEMA_PATH = "docs/review.schema.json";

/** The JSON Schema (draft 2020-12) of the review object that `ask --format json` prints and `batch` writes. */
export function reviewJsonSchema(): Record<string, unknown> {
  // io "output": the schema describes what the CLI emits, after zod has parsed it.
  const { $schema, ...body } = z.toJSONSchema(ReviewSchema, { io: "output", unrepresentable: "throw" });
  return {
    $schema,
    $id: `urn:litreview:review:${REVIEW_SCHEMA_VERSION}`,
    title: "litreview review",
    description:
      `One literature review as \`litreview ask --format json\` prints it and \`litreview batch\` writes <id>.json. ` +
      `schemaVersion is "${REVIEW_SCHEMA_VERSION}" for this schema; it changes whenever a field changes meaning, ` +
      `so check it before reading the rest.`,
    ...body,
  };
}

/** The file's exact text: two-space indentation and a trailing newline. */
export function serialiseReviewJsonSchema(): string {
  return `${JSON.stringify(reviewJsonSchema(), null, 2)}\n`;
}
