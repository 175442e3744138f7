// Every registered benchmark with its subsets, categories and what of it is present in the build's
// data folder (THINKSAFE_DATA_DIR, else none), for docs/benchmarks.md.
import { dataContext } from "../src/benchmarks/data-dir.ts";
import { benchmarkCatalogue } from "../src/site/benchmark-catalogue.ts";

process.stdout.write(JSON.stringify(await benchmarkCatalogue(dataContext(undefined))));
