// Injected faults: the failures a client of a real endpoint meets (rate limits, server errors,
// dropped connections, hangs, an HTML page from a proxy), drawn per chat request.
import type { ServerResponse } from "node:http";
import type { SimulatorConfig } from "./config.ts";
import { apiError, sendError, SIMULATED_HEADERS } from "./http.ts";
import type { Random } from "./random.ts";

export const FAULT_KINDS = ["429", "500", "reset", "hang", "non_json"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

type Faults = SimulatorConfig["faults"];

const RATE_OF: Record<FaultKind, keyof Faults> = {
  "429": "rate_429",
  "500": "rate_500",
  reset: "rate_reset",
  hang: "rate_hang",
  non_json: "rate_non_json",
};

/** One uniform draw split into the fault rates (they add up to at most 1); undefined = no fault. */
export function drawFault(faults: Faults, random: Random): FaultKind | undefined {
  let u = random();
  for (const kind of FAULT_KINDS) {
    u -= faults[RATE_OF[kind]];
    if (u < 0) return kind;
  }
  return undefined;
}

/** Answers (or deliberately fails to answer) with the fault. A hung response stays open until the
 * client gives up or the server closes. */
export function sendFault(kind: FaultKind, res: ServerResponse, faults: Faults): void {
  switch (kind) {
    case "429":
      sendError(res, apiError(429, "Rate limit reached for requests (simulated). Retry after the Retry-After delay."), {
        "retry-after": String(faults.retry_after_s),
      });
      return;
    case "500":
      sendError(res, apiError(500, "Internal server error (simulated)."));
      return;
    case "reset":
      res.socket?.destroy();
      return;
    case "hang":
      return;
    case "non_json": {
      const html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>thinksafe simulator: simulated non-JSON response</p></body></html>";
      res.writeHead(200, { ...SIMULATED_HEADERS, "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) });
      res.end(html);
      return;
    }
  }
}
