// `npm run preview [-- --port N] [-- --host H] [-- --dir DIR]`: serves the built site (dist/)
// exactly as a plain static host would (src/site/static-server.ts: no rewrites), to check it
// before publishing it.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_DIR } from "./paths.ts";
import { serveStatic } from "./static-server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    host: { type: "string", default: "127.0.0.1" },
    dir: { type: "string", default: join(PROJECT_DIR, "dist") },
  },
});
const port = Number(values.port);
if (!/^\d+$/.test(values.port) || port > 65535) {
  console.error(`preview: --port ${values.port}: not a port number (0–65535)`);
  process.exit(2);
}
const dir = resolve(values.dir);
if (!existsSync(join(dir, "index.html"))) {
  console.error(`preview: ${dir} holds no built site (no index.html); run \`npm run build\` first`);
  process.exit(1);
}
const server = await serveStatic(dir, { host: values.host, port });
console.error(`preview: serving ${dir} at ${server.url}/ as a plain static host would (Ctrl-C stops it)`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
