// One MM-SafetyBench TYPO render per scenario when the build's data folder (THINKSAFE_DATA_DIR)
// holds the questions; otherwise why there are none. For docs/benchmarks.md.
import { dataContext } from "../src/benchmarks/data-dir.ts";
import { mmSafetyTypoGallery } from "../src/site/benchmark-catalogue.ts";

process.stdout.write(JSON.stringify(await mmSafetyTypoGallery(dataContext(undefined))));
