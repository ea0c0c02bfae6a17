// API keys and contact addresses: added to a request only when it is sent, and scrubbed from every
// URL or message that leaves the HTTP layer (logs, cache files, errors).
import { UsageError } from "../errors.js";

/** One API key and how its host expects it: as a query parameter or as a request header. */
export type ApiKey = { host: string; value: string } & ({ queryParam: string } | { header: string });

/**
 * Query parameters whose values identify the user or grant access. Their values are replaced in
 * anything logged, and the parameters are dropped from cache keys so a cache can be shared.
 */
const SENSITIVE_QUERY_PARAMS = new Set(["api_key", "apikey", "api-key", "key", "token", "access_token", "email", "mailto"]);

export const REDACTED = "REDACTED";

export interface Secrets {
  /** The URL and headers to send: the caller's plus the keys for this URL's host. */
  applyKeys(url: URL, headers: Record<string, string>): { url: URL; headers: Record<string, string> };
  /** The URL with sensitive query values replaced, fit for logs and error messages. */
  redactUrl(url: URL): string;
  /** Text with every configured secret value replaced (for messages that quote other errors). */
  redactText(text: string): string;
  /**
   * The URL as a cache key sees it: without credentials, keys or contact addresses, so responses
   * fetched with different keys (or by different users) share one entry.
   */
  keyFreeUrl(url: URL): string;
}

export function createSecrets(apiKeys: readonly ApiKey[], email: string | undefined): Secrets {
  for (const key of apiKeys) {
    // Keys travel in headers and URLs, so whitespace or control characters would corrupt the request.
    if (!/^[\x21-\x7e]+$/.test(key.value)) {
      throw new UsageError(`the API key for ${key.host} is empty or contains spaces or control characters`);
    }
  }
  const secretValues = [...apiKeys.map((key) => key.value), ...(email ? [email] : [])];
  const keyParams = new Set(apiKeys.flatMap((key) => ("queryParam" in key ? [key.queryParam.toLowerCase()] : [])));
  const isSensitiveParam = (name: string, value: string) =>
    SENSITIVE_QUERY_PARAMS.has(name.toLowerCase()) ||
    keyParams.has(name.toLowerCase()) ||
    secretValues.some((secret) => value.includes(secret));

  const redactText = (text: string): string => {
    let redacted = text;
    for (const secret of secretValues) {
      for (const form of new Set([secret, encodeURIComponent(secret)])) redacted = redacted.split(form).join(REDACTED);
    }
    return redacted;
  };

  /** A copy of the URL without credentials, its sensitive parameters replaced (or dropped when no replacement). */
  const withoutSecrets = (url: URL, replacement: string | undefined): URL => {
    const scrubbed = new URL(url);
    scrubbed.username = "";
    scrubbed.password = "";
    for (const [name, value] of [...scrubbed.searchParams]) {
      if (!isSensitiveParam(name, value)) continue;
      if (replacement === undefined) scrubbed.searchParams.delete(name);
      else scrubbed.searchParams.set(name, replacement);
    }
    return scrubbed;
  };

  return {
    applyKeys(url, headers) {
      const keyedUrl = new URL(url);
      const keyedHeaders = { ...headers };
      for (const key of apiKeys) {
        if (key.host !== url.host && key.host !== url.hostname) continue;
        if ("queryParam" in key) keyedUrl.searchParams.set(key.queryParam, key.value);
        else keyedHeaders[key.header.toLowerCase()] = key.value;
      }
      return { url: keyedUrl, headers: keyedHeaders };
    },
    redactUrl(url) {
      return redactText(withoutSecrets(url, REDACTED).toString());
    },
    redactText,
    keyFreeUrl(url) {
      const stripped = withoutSecrets(url, undefined);
      stripped.hash = "";
      return stripped.toString();
    },
  };
}
