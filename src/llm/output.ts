// What the model must return and how its reply is read: the JSON Schema sent to the server
// (OpenAI's strict structured-output dialect) and a tolerant parser for what comes back, since
// local models wrap JSON in reasoning, fences and prose.
import { z } from "zod";

type JsonSchemaNode = Record<string, unknown>;

/**
 * Validation keywords that strict servers reject or enforce unevenly (OpenAI refuses `default` and
 * string lengths; some models fail on the rest). They are left out of the schema sent, described in
 * words instead, and still enforced by zod on our side.
 */
const DESCRIBED_KEYWORDS = [
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
];
const DROPPED_KEYWORDS = ["default"];

/** Keywords whose value is one subschema, and those whose value is a list or a map of them. */
const SUBSCHEMA_KEYS = ["items", "additionalProperties", "not", "contains"];
const SUBSCHEMA_LIST_KEYS = ["prefixItems", "anyOf", "oneOf", "allOf"];
const SUBSCHEMA_MAP_KEYS = ["properties", "$defs", "definitions"];

/**
 * The JSON Schema of what the model must produce (the schema's input side), in the form strict
 * structured outputs require: every object lists all its properties in `required` and has
 * `additionalProperties: false`; validation keywords become words in `description`. A schema that
 * cannot be expressed that way is a programming error and throws: an optional property (make it
 * `.nullable()` instead) or a record (free-form keys).
 */
export function strictJsonSchema(schema: z.ZodType, schemaName: string): JsonSchemaNode {
  const { $schema: _dialect, ...root } = z.toJSONSchema(schema, { io: "input" }) as JsonSchemaNode;
  makeStrict(root, schemaName, []);
  return root;
}

function makeStrict(node: JsonSchemaNode, schemaName: string, path: string[]): void {
  const where = () => `schema ${schemaName}${path.length > 0 ? ` at ${path.join(".")}` : ""}`;
  describeConstraints(node);
  const properties = node.properties;
  if (isSchemaObject(properties)) {
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const optional = Object.keys(properties).filter((key) => !required.has(key));
    if (optional.length > 0) {
      throw new TypeError(`${where()}: property "${optional[0]}" is optional; strict structured outputs need it required (use .nullable())`);
    }
    if (isSchemaObject(node.additionalProperties) && Object.keys(node.additionalProperties).length > 0) {
      throw new TypeError(`${where()}: an object with extra keys cannot be a strict structured output`);
    }
    node.required = Object.keys(properties);
    node.additionalProperties = false;
  } else if (node.type === "object") {
    throw new TypeError(`${where()}: a record (free-form keys) cannot be a strict structured output; list the properties`);
  }
  for (const key of SUBSCHEMA_KEYS) {
    const child = node[key];
    if (isSchemaObject(child)) makeStrict(child, schemaName, [...path, key]);
  }
  for (const key of SUBSCHEMA_LIST_KEYS) {
    const children = node[key];
    if (Array.isArray(children)) children.forEach((child, index) => isSchemaObject(child) && makeStrict(child, schemaName, [...path, `${key}[${index}]`]));
  }
  for (const key of SUBSCHEMA_MAP_KEYS) {
    const children = node[key];
    if (!isSchemaObject(children)) continue;
    for (const [name, child] of Object.entries(children)) {
      if (isSchemaObject(child)) makeStrict(child, schemaName, key === "properties" ? [...path, name] : [...path, key, name]);
    }
  }
}

function describeConstraints(node: JsonSchemaNode): void {
  const constraints: string[] = [];
  for (const keyword of DESCRIBED_KEYWORDS) {
    const value = node[keyword];
    if (value === undefined) continue;
    delete node[keyword];
    // zod bounds every integer by the safe-integer range: true of any JSON number worth writing.
    if (typeof value === "number" && Math.abs(value) === Number.MAX_SAFE_INTEGER) continue;
    constraints.push(`${keyword} ${JSON.stringify(value)}`);
  }
  for (const keyword of DROPPED_KEYWORDS) delete node[keyword];
  if (constraints.length === 0) return;
  const description = typeof node.description === "string" ? `${node.description} ` : "";
  node.description = `${description}(${constraints.join(", ")})`;
}

function isSchemaObject(value: unknown): value is JsonSchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `json` is what the model wrote (the schema's input), `value` what the schema made of it. */
export type ParsedOutput<T> = { ok: true; value: T; json: unknown } | { ok: false; error: string };

const MAX_ISSUES_SHOWN = 5;
const MAX_ERROR_LENGTH = 600;
/** Candidate `{` positions tried before giving up on a reply full of braces. */
const MAX_OBJECT_STARTS = 20;

/**
 * The model's reply as a validated value. Reasoning (`<think>…</think>`), Markdown fences and any
 * prose around the JSON are ignored: the first balanced `{…}` that parses as JSON is taken. On
 * failure, `error` says briefly what was wrong, in words the model can act on.
 */
export function parseModelOutput<T>(content: string, schema: z.ZodType<T>): ParsedOutput<T> {
  const json = extractJsonObject(withoutReasoning(content));
  if (!json.ok) return json;
  const result = schema.safeParse(json.value);
  if (result.success) return { ok: true, value: result.data, json: json.value };
  return { ok: false, error: truncate(`the JSON does not match the schema: ${describeIssues(result.error.issues)}`) };
}

/** The reply without reasoning blocks; a stray `</think>` (its opening tag was in the prompt) ends the reasoning too. */
function withoutReasoning(content: string): string {
  const closed = content.replace(/<(think|thinking)>[\s\S]*?<\/\1>/gi, "");
  const rest = closed.split(/<\/(?:think|thinking)>/i).at(-1) ?? "";
  // An unclosed opening tag means the reply was cut off while reasoning: nothing after it is an answer.
  const unclosed = rest.search(/<(think|thinking)>/i);
  return unclosed >= 0 ? rest.slice(0, unclosed) : rest;
}

function extractJsonObject(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let firstError: string | undefined;
  let start = text.indexOf("{");
  for (let tries = 0; start >= 0 && tries < MAX_OBJECT_STARTS; tries += 1) {
    const end = balancedObjectEnd(text, start);
    if (end === undefined) {
      firstError ??= "the JSON object is incomplete (it never closes)";
    } else {
      try {
        return { ok: true, value: JSON.parse(text.slice(start, end + 1)) };
      } catch (error) {
        firstError ??= `it is not valid JSON (${(error as Error).message})`;
      }
    }
    start = text.indexOf("{", start + 1);
  }
  return { ok: false, error: truncate(firstError ?? (text.trim() === "" ? "the reply is empty" : "the reply holds no JSON object")) };
}

/** Index of the `}` that closes the `{` at `start`, skipping braces inside strings; undefined if it never closes. */
function balancedObjectEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === "{") {
      depth += 1;
    } else if (char === "}") {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return undefined;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`);
  const more = issues.length > MAX_ISSUES_SHOWN ? `; and ${issues.length - MAX_ISSUES_SHOWN} more` : "";
  return `${shown.join("; ")}${more}`;
}

function truncate(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}
