// A local HTTP server for tests that serves recorded API responses from fixture files, records
// every request it receives, and misbehaves on demand (rate limiting, outages, hung connections,
// truncated or malformed bodies, slow bodies, compression) the way real servers do.
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from "node:zlib";

const FIXTURES_DIR = fileURLToPath(new URL("../../fixtures/", import.meta.url));

export interface ReplayResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A file under fixtures/ (or an absolute path); read once, when the route is added. */
  bodyFile?: string;
  /** Compress the body and say so in Content-Encoding. */
  encoding?: "gzip" | "br" | "deflate";
  /** Send the body in pieces, without Content-Length, pausing between them. */
  slow?: { chunkBytes: number; delayMs: number };
}

/** One misbehaviour, used for one request (or `times` requests) before the route behaves. */
export type ReplayFault = { times?: number } & (
  | { type: "status"; status: number; retryAfter?: string; body?: string }
  /** Read the request, never answer. */
  | { type: "hang" }
  /** Promise the full Content-Length, send `sendBytes` (default half), then drop the connection. */
  | { type: "truncate"; sendBytes?: number }
  /** A well-formed HTTP response whose body is the first half of the real one (broken JSON or XML). */
  | { type: "malformed" }
);

export interface ReplayRoute {
  /** Default GET. */
  method?: string;
  /** The exact path, without the query. */
  path: string;
  /** Query parameters the request must carry with these values (others are allowed). */
  query?: Record<string, string>;
  response: ReplayResponse;
  faults?: ReplayFault[];
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived: compare arrivals, not wall-clock times. */
  receivedAt: number;
}

export interface ReplayServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`, the key for per-host settings. */
  host: string;
  /** Every request received, in order of arrival. */
  requests: RecordedRequest[];
  url(pathAndQuery: string): string;
  route(route: ReplayRoute): void;
  requestsTo(path: string): RecordedRequest[];
  close(): Promise<void>;
}

interface ActiveRoute {
  route: ReplayRoute;
  body: Buffer;
  pendingFaults: ReplayFault[];
}

/** The contents of a file under fixtures/. */
export function readFixture(relativePath: string): Buffer {
  return readFileSync(relativePath.startsWith("/") ? relativePath : `${FIXTURES_DIR}${relativePath}`);
}

export async function startReplayServer(routes: ReplayRoute[] = []): Promise<ReplayServer> {
  const activeRoutes: ActiveRoute[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (delayMs: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, delayMs);
    timers.add(timer);
  };

  const server = createServer((request, response) => {
    const receivedAt = performance.now();
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://replay.invalid");
      requests.push({
        method: request.method ?? "GET",
        url: request.url ?? "/",
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt,
      });
      const active = activeRoutes.find((candidate) => matches(candidate.route, request, url));
      if (!active) {
        response.writeHead(404, { "content-type": "text/plain" }).end(`no replay route for ${request.method} ${url.pathname}`);
        return;
      }
      serve(active, response, later);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const replay: ReplayServer = {
    origin,
    host: `127.0.0.1:${port}`,
    requests,
    url: (pathAndQuery) => `${origin}${pathAndQuery}`,
    route(route) {
      const body = route.response.bodyFile ? readFixture(route.response.bodyFile) : Buffer.from(route.response.body ?? "");
      const pendingFaults = (route.faults ?? []).flatMap((fault) => Array<ReplayFault>(fault.times ?? 1).fill(fault));
      activeRoutes.push({ route, body, pendingFaults });
    },
    requestsTo: (path) => requests.filter((request) => request.path === path),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  for (const route of routes) replay.route(route);
  return replay;
}

function matches(route: ReplayRoute, request: IncomingMessage, url: URL): boolean {
  if ((route.method ?? "GET") !== request.method || route.path !== url.pathname) return false;
  return Object.entries(route.query ?? {}).every(([name, value]) => url.searchParams.get(name) === value);
}

function serve(active: ActiveRoute, response: ServerResponse, later: (delayMs: number, action: () => void) => void): void {
  const fault = active.pendingFaults.shift();
  const { status = 200, headers = {}, encoding, slow } = active.route.response;
  switch (fault?.type) {
    case "status":
      response.writeHead(fault.status, {
        "content-type": "text/plain",
        ...(fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter }),
      });
      response.end(fault.body ?? `injected ${fault.status}`);
      return;
    case "hang":
      return;
    case "truncate": {
      const sent = active.body.subarray(0, fault.sendBytes ?? Math.floor(active.body.length / 2));
      response.writeHead(status, { ...headers, "content-length": String(active.body.length) });
      response.write(sent, () => response.destroy());
      return;
    }
    case "malformed": {
      const half = active.body.subarray(0, Math.floor(active.body.length / 2));
      response.writeHead(status, { ...headers, "content-length": String(half.length) }).end(half);
      return;
    }
    case undefined:
      break;
  }

  const body = encoding ? compress(active.body, encoding) : active.body;
  const encodingHeader = encoding ? { "content-encoding": encoding } : {};
  if (!slow) {
    response.writeHead(status, { ...headers, ...encodingHeader, "content-length": String(body.length) }).end(body);
    return;
  }
  response.writeHead(status, { ...headers, ...encodingHeader });
  const sendFrom = (offset: number) => {
    if (response.destroyed) return;
    if (offset >= body.length) {
      response.end();
      return;
    }
    response.write(body.subarray(offset, offset + slow.chunkBytes));
    later(slow.delayMs, () => sendFrom(offset + slow.chunkBytes));
  };
  sendFrom(0);
}

function compress(body: Buffer, encoding: "gzip" | "br" | "deflate"): Buffer {
  switch (encoding) {
    case "gzip":
      return gzipSync(body);
    case "br":
      // The default (maximum) quality takes about half a second on a 250 KB fixture.
      return brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } });
    case "deflate":
      return deflateSync(body);
  }
}
