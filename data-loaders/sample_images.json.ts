// The site experiments' sample images (sha256 → downscaled data URI), for the sample browser.
import { handedStudyDir, siteImages } from "../src/site/study-files.ts";

const dir = handedStudyDir() ?? (await (await import("../src/site/study.ts")).siteStudy());
process.stdout.write(JSON.stringify(await siteImages(dir)));
