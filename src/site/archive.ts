// The site's one data loader's job (data-loaders/data.tar.ts): every file of `data/` computed in
// this process (publish.ts) and printed as one tar archive, from which Framework serves each page's
// FileAttachment("data/<file>"). Files are written completely before the first byte is printed, so
// a failed loader leaves no partial archive behind; headers carry no time, owner or mode of this
// machine, so the same files give the same bytes.
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { pack } from "tar-stream";
import { publishedFiles, writeSiteFiles } from "./publish.ts";
import { handedStudyDir } from "./study-files.ts";

export async function writeSiteArchive(out: NodeJS.WritableStream, log: (line: string) => void = (line) => process.stderr.write(`[site] data: ${line}\n`)): Promise<void> {
  const studyDir = handedStudyDir() ?? (await (await import("./study.ts")).siteStudy());
  const dir = await mkdtemp(join(tmpdir(), "thinksafe-site-data-"));
  try {
    await writeSiteFiles(studyDir, dir, log);
    await packFiles(dir, publishedFiles(), out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the archive straight into Framework's loader cache (`<root>/.observablehq/cache/data.tar`)
 * unless it is there (prepare.ts deletes it when a loader input changed): `npm run build` runs it in
 * its own process, where the study and DuckDB are already loaded, instead of Framework starting the
 * loader as one more process. Framework then finds the output newer than the loader and uses it.
 */
export async function prepareSiteArchive(root: string): Promise<boolean> {
  const target = join(root, ".observablehq", "cache", "data.tar");
  if (existsSync(target)) return false;
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    await writeSiteArchive(createWriteStream(temporary));
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
  return true;
}

/** `names` (files of `dir`) as an uncompressed tar on `out`, streamed one file at a time. */
export async function packFiles(dir: string, names: readonly string[], out: NodeJS.WritableStream): Promise<void> {
  const archive = pack();
  const written = pipeline(archive, out, { end: out !== process.stdout });
  try {
    for (const name of names) {
      const file = join(dir, name);
      const { size } = await stat(file).catch(() => {
        throw new Error(`site data: ${name} was not written (every file publishedFiles() names must be)`);
      });
      const entry = archive.entry({ name, size, mtime: new Date(0), mode: 0o644, uid: 0, gid: 0, uname: "", gname: "" });
      await pipeline(createReadStream(file), entry);
    }
    archive.finalize();
  } catch (error) {
    archive.destroy(error as Error);
  }
  await written;
}
