// The one HTTP client of a CLI process, built from the resolved configuration.
import { httpCacheDir, type Config } from "../config.js";
import { toolVersion } from "../context.js";
import { createHttpClient, type HttpClient } from "../http/client.js";
import type { Logger } from "../log.js";
import type { CliIo } from "./io.js";

export function createCliHttpClient(config: Config, io: CliIo, logger: Logger): HttpClient {
  return createHttpClient({
    version: toolVersion(),
    ...(config.email ? { email: config.email } : {}),
    logger,
    cache: { dir: httpCacheDir(config, io.env), mode: "default" },
  });
}
