import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { DataUri, jsonBody } from "./json-body.ts";

describe("jsonBody", () => {
  test("the UTF-8 bytes of JSON.stringify, images written as data URIs", () => {
    const image = (n: number) => new DataUri(n % 2 ? "image/png" : "image/jpeg", randomBytes(n));
    const bodies: unknown[] = [
      { model: "m", messages: [{ role: "user", content: "no image, é 中文 😀 \u2028 \ud800" }] },
      {
        model: "m",
        messages: [
          { role: "system", content: 'quotes " and \\ backslashes' },
          { role: "user", content: [{ type: "image_url", image_url: { url: image(50_000) } }, { type: "image_url", image_url: { url: image(1), detail: "low" } }, { type: "text", text: "Describe them. 😀" }] },
          { role: "assistant", content: "thinksafe0000image0 looks like a mark but is text" },
        ],
        temperature: 0,
        extra: { nested: [image(0), { url: image(7) }] },
      },
    ];
    for (const body of bodies) assert.ok(jsonBody(body).equals(Buffer.from(JSON.stringify(body))), JSON.stringify(body).slice(0, 80));
    // The image's data URI is the one toJSON spells.
    const uri = image(10);
    assert.equal(JSON.parse(jsonBody({ url: uri }).toString("utf8")).url, `data:image/jpeg;base64,${uri.bytes.toString("base64")}`);
  });
});
