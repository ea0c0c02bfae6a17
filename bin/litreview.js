#!/usr/bin/env node
// Thin launcher: all logic lives in dist/cli (built by `npm run build`).
import("../dist/cli/main.js")
  .then((cli) => cli.main(process.argv))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    const missingBuild = error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli");
    console.error(missingBuild ? "litreview: not built yet; run `npm run build` first" : `litreview: ${error?.message ?? error}`);
    process.exitCode = 1;
  });
