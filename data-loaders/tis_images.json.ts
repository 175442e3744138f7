// The TiS demo build's example images (sha256 → downscaled data URI), for docs/tis.md.
import { siteTisImages } from "../src/site/tis-files.ts";

process.stdout.write(JSON.stringify(await siteTisImages()));
