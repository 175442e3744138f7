// The canvas library (Skia), loaded the first time something is drawn, decoded or scaled: 16 MB of
// native code a run never needs when its images are sent as they are and drawn ones come from the
// render cache.
import { createRequire } from "node:module";
import type * as Canvas from "@napi-rs/canvas";

const require = createRequire(import.meta.url);
let loaded: typeof Canvas | undefined;

export function skia(): typeof Canvas {
  return (loaded ??= require("@napi-rs/canvas") as typeof Canvas);
}
