// A small, typed view of an XML document on top of fast-xml-parser, plus the one text flattener
// every XML reader uses. Entity handling is ours, not the parser's: see `decodeXmlEntities`.
import { XMLParser, XMLValidator, type X2jOptions } from "fast-xml-parser";

import { errorMessage } from "../errors.js";
import { normaliseWhitespace } from "./paper.js";

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

/** A text run (entities already decoded) or an element. */
export type XmlNode = XmlElement | string;

const TEXT_KEY = "#text";
const CDATA_KEY = "#cdata";
const ATTRIBUTES_KEY = ":@";

// Entity safety: `processEntities: false` makes the parser ignore DOCTYPE entity declarations
// entirely, so no declared entity is ever expanded (billion-laughs and external entities are
// inert; an undeclared `&name;` stays as literal text). We decode the five predefined XML
// entities and numeric character references ourselves in one pass. (fast-xml-parser 5.12 only
// decodes numeric references when `htmlEntities` is on, which would also pull in HTML names.)
const PARSER_OPTIONS: X2jOptions = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  // `<?properties open_access?>` carries its flag as a value-less pseudo-attribute.
  allowBooleanAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: CDATA_KEY,
  ignoreDeclaration: true,
};

/** Parse and validate an XML document; return its root element. Throws a readable Error when malformed. */
export function parseXml(xml: string): XmlElement {
  if (xml.trim() === "") throw new Error("malformed XML: the document is empty");
  const validation = XMLValidator.validate(xml, { allowBooleanAttributes: true });
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw new Error(`malformed XML (${where}): ${msg}`);
  }
  let raw: unknown;
  try {
    raw = new XMLParser(PARSER_OPTIONS).parse(xml);
  } catch (error) {
    // The validator passed, so this is a construct the parser refuses (an external entity, deep nesting).
    throw new Error(`unsupported XML: ${errorMessage(error)}`);
  }
  const root = toNodes(raw).find((node): node is XmlElement => typeof node !== "string" && !node.name.startsWith("?"));
  if (!root) throw new Error("malformed XML: no root element");
  return root;
}

function toNodes(raw: unknown): XmlNode[] {
  if (!Array.isArray(raw)) return [];
  const nodes: XmlNode[] = [];
  for (const item of raw) {
    if (!isRecord(item)) continue;
    for (const [key, value] of Object.entries(item)) {
      if (key === ATTRIBUTES_KEY) continue;
      if (key === TEXT_KEY) nodes.push(decodeXmlEntities(String(value)));
      else if (key === CDATA_KEY) nodes.push(cdataText(value));
      else nodes.push({ name: key, attributes: toAttributes(item[ATTRIBUTES_KEY]), children: toNodes(value) });
    }
  }
  return nodes;
}

/** CDATA is literal: its text is not entity-decoded. */
function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return "";
  return value.map((part) => (isRecord(part) ? String(part[TEXT_KEY] ?? "") : "")).join("");
}

function toAttributes(raw: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (!isRecord(raw)) return attributes;
  for (const [name, value] of Object.entries(raw)) {
    attributes[name] = value === true ? "" : decodeXmlEntities(String(value));
  }
  return attributes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const ENTITY_PATTERN = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|(lt|gt|amp|quot|apos));/g;

/**
 * Decode `&lt;`-style predefined entities and numeric character references (`&#945;`, `&#x3b1;`)
 * in one pass, so `&amp;lt;` becomes `&lt;` and not `<`. Any other `&name;` is left as written.
 */
function decodeXmlEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(ENTITY_PATTERN, (whole, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return PREDEFINED_ENTITIES[name] ?? whole;
    const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? "", 16);
    const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    return valid ? String.fromCodePoint(codePoint) : "\uFFFD";
  });
}

export function attribute(element: XmlElement, name: string): string | undefined {
  return element.attributes[name];
}

/** Child elements, optionally only those with one of the given names. */
export function childElements(element: XmlElement, ...names: string[]): XmlElement[] {
  return element.children.filter(
    (child): child is XmlElement => typeof child !== "string" && (names.length === 0 || names.includes(child.name)),
  );
}

export function firstChild(element: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  if (!element) return undefined;
  for (const child of element.children) {
    if (typeof child !== "string" && names.includes(child.name)) return child;
  }
  return undefined;
}

/** Follow a path of child element names, taking the first match at each step. */
export function childAt(element: XmlElement | undefined, path: string[]): XmlElement | undefined {
  let current = element;
  for (const name of path) current = firstChild(current, name);
  return current;
}

/**
 * Descendants whose name is in `names`, in document order. Matches are not searched inside,
 * and elements named in `skip` are not entered.
 */
export function descendants(
  element: XmlElement,
  names: ReadonlySet<string>,
  skip: ReadonlySet<string> = new Set(),
): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (node: XmlElement): void => {
    for (const child of node.children) {
      if (typeof child === "string" || skip.has(child.name)) continue;
      if (names.has(child.name)) found.push(child);
      else visit(child);
    }
  };
  visit(element);
  return found;
}

export interface FlattenOptions {
  /** Elements whose content is left out entirely. */
  skip?: ReadonlySet<string>;
  /**
   * Put a space between element siblings that touch (`<surname>A</surname><given-names>B`),
   * for structured content such as citations; off for running text, where `H<sub>2</sub>O` must stay whole.
   */
  separateElements?: boolean;
}

// Elements that start and end a line of thought: a space keeps their text from gluing to their neighbours.
const BLOCK_ELEMENTS = new Set([
  "p", "title", "label", "caption", "sec", "list", "list-item", "def-list", "def-item", "term", "def",
  "table", "tr", "td", "th", "disp-formula", "disp-quote", "boxed-text", "fn", "ref", "break",
  "element-citation", "mixed-citation", "citation", "nlm-citation", "person-group", "name", "string-name", "pub-id",
]);

/** Text of a node with inline markup removed, reading order kept and whitespace normalised. */
export function flattenText(node: XmlNode | undefined, options: FlattenOptions = {}): string {
  if (node === undefined) return "";
  const parts: string[] = [];
  collectText(node, parts, options);
  return normaliseWhitespace(parts.join(""));
}

function collectText(node: XmlNode, parts: string[], options: FlattenOptions): void {
  if (typeof node === "string") {
    parts.push(node);
    return;
  }
  if (node.name.startsWith("?") || options.skip?.has(node.name) || isMathAnnotation(node.name)) return;
  if (node.name === "alternatives") {
    const chosen = preferredAlternative(node);
    if (chosen) collectText(chosen, parts, options);
    return;
  }
  if (node.name === "tex-math") {
    parts.push(texMathBody(node.children.filter((child) => typeof child === "string").join("")));
    return;
  }
  const isBlock = BLOCK_ELEMENTS.has(node.name);
  if (isBlock) parts.push(" ");
  let previousWasElement = false;
  for (const child of node.children) {
    const isElement = typeof child !== "string";
    if (options.separateElements && isElement && previousWasElement) parts.push(" ");
    collectText(child, parts, options);
    previousWasElement = isElement;
  }
  if (isBlock) parts.push(" ");
}

function isMathAnnotation(name: string): boolean {
  return name.endsWith("annotation") || name.endsWith("annotation-xml");
}

// One rendering of a formula is enough: MathML reads best as text, then TeX, then anything else.
function preferredAlternative(alternatives: XmlElement): XmlElement | undefined {
  const options = childElements(alternatives);
  return (
    options.find((child) => child.name === "math" || child.name.endsWith(":math")) ??
    options.find((child) => child.name === "tex-math") ??
    options.find((child) => !child.name.includes("graphic"))
  );
}

/** The formula inside a TeX-math document (`\documentclass … \begin{document} $x$ \end{document}`). */
function texMathBody(tex: string): string {
  const body = /\\begin\{document\}([\s\S]*?)\\end\{document\}/.exec(tex)?.[1] ?? tex;
  return ` ${body.replace(/\$+/g, "").trim()} `;
}
