// The one HTTP client of a CLI process and the source context around it, built from the resolved
// configuration: every question and stage of the process shares its rate limiter and cache.
import { httpCacheDir, type Config } from "../config.js";
import { toolVersion } from "../context.js";
import { UsageError } from "../errors.js";
import { createHttpClient, type CacheMode } from "../http/client.js";
import type { Logger } from "../log.js";
import { endpointsFromConfig, keysFromEnvironment, sourceHttpPolicy, type SourceContext } from "../sources/context.js";
import type { CliIo } from "./io.js";

export function cacheModeOf(config: Config): CacheMode {
  if (config.offline && !config.cache) throw new UsageError("--offline answers only from the cache, so it cannot be combined with --no-cache");
  if (config.offline) return "offline";
  return config.cache ? "default" : "no-cache";
}

/** The source context of a command; close its HTTP client when the command ends. */
export function createSourceContext(config: Config, io: CliIo, logger: Logger): SourceContext {
  const endpoints = endpointsFromConfig(config);
  const keys = keysFromEnvironment(io.env);
  const { hostLimits, apiKeys } = sourceHttpPolicy(endpoints, keys);
  const http = createHttpClient({
    version: toolVersion(),
    ...(config.email ? { email: config.email } : {}),
    logger,
    cache: { dir: httpCacheDir(config, io.env), mode: cacheModeOf(config) },
    apiKeys,
    hostLimits,
  });
  return { http, logger, endpoints, ...(config.email ? { email: config.email } : {}), keys };
}
