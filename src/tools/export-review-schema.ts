// `npm run schema`: regenerate docs/review.schema.json from the zod ReviewSchema.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { REVIEW_SCHEMA_PATH, serialiseReviewJsonSchema } from "../review/export-schema.js";

const target = fileURLToPath(new URL(`../../${REVIEW_SCHEMA_PATH}`, import.meta.url));
await writeFile(target, serialiseReviewJsonSchema());
console.log(`wrote ${REVIEW_SCHEMA_PATH}`);
