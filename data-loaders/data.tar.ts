// Every file the site's pages read as FileAttachment("data/<file>"), in one archive (src/site/archive.ts).
import { writeSiteArchive } from "../src/site/archive.ts";

await writeSiteArchive(process.stdout);
