import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { displayUrl, readApiKey, removeKnownSecrets, scrubSecrets, urlSecretProblem } from "./secrets.ts";

const KEY = "sk-test-0123456789abcdefXYZ";

describe("URLs", () => {
  test("a key in a URL is a problem named without the key", () => {
    for (const url of [`http://user:${KEY}@gpu:8000/v1`, `http://${KEY}@gpu/v1`, `https://h/v1?api_key=${KEY}`, `https://h/v1?x=1&access_token=${KEY}`, `https://h/v1?X-Amz-Signature=${KEY}`]) {
      const problem = urlSecretProblem(url);
      assert.ok(problem, url);
      assert.ok(!problem.includes(KEY), problem);
    }
    assert.match(urlSecretProblem(`https://h/v1?api_key=${KEY}`)!, /query parameter api_key/);
    assert.equal(urlSecretProblem("http://gpu-1:8000/v1"), null);
    assert.equal(urlSecretProblem("https://x.openai.azure.com/openai?api-version=2024-06-01"), null);
  });

  test("displayUrl drops credentials, secret-looking parameters and fragments, and keeps the rest", () => {
    assert.equal(displayUrl(`http://user:${KEY}@gpu:8000/v1`), "http://gpu:8000/v1");
    assert.equal(displayUrl(`https://h/v1?api-version=2024&api_key=${KEY}#frag`), "https://h/v1?api-version=2024");
    assert.equal(displayUrl(`not a url //user:${KEY}@host`), "not a url //host");
  });
});

describe("scrubbing", () => {
  test("every read key, Authorization header, Bearer token and URL credential is removed from error text", () => {
    assert.equal(readApiKey({ MY_KEY: KEY }, "MY_KEY"), KEY);
    const echoed = `400 {"error": "bad request", "headers": {"authorization": "Bearer ${KEY}"}} echo ${KEY} at http://u:p@h/v1?token=abc`;
    const scrubbed = scrubSecrets(echoed);
    assert.ok(!scrubbed.includes(KEY), scrubbed);
    assert.ok(!scrubbed.includes("u:p@") && !scrubbed.includes("token=abc"), scrubbed);
    assert.match(scrubbed, /\[redacted\]/);
    assert.equal(scrubSecrets("Authorization: Basic dXNlcjpwYXNz", []), "Authorization: [redacted]");
    assert.equal(scrubSecrets("rejected token Bearer abc.def-ghi", []), "rejected token Bearer [redacted]");
  });

  test("model output loses only the exact key values; short values (local servers' 'none') are not secrets", () => {
    assert.equal(removeKnownSecrets(`the key is ${KEY}, see https://example.com/?token=public`, [KEY]), "the key is [redacted], see https://example.com/?token=public");
    readApiKey({ SHORT: "none" }, "SHORT");
    assert.equal(removeKnownSecrets("none of these"), "none of these");
  });
});
