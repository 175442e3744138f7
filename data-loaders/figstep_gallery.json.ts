// FigStep's SafeBench-Tiny (50 images) rendered by thinksafe, as data URIs, for docs/benchmarks.md.
import { figStepGallery } from "../src/site/benchmark-catalogue.ts";

process.stdout.write(JSON.stringify(await figStepGallery()));
