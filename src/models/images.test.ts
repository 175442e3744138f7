import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { DataError, UsageError } from "../errors.ts";
import { sha256 } from "../provenance.ts";
import { encodeImage, imageMime, type EncodedImage } from "./index.ts";

/** A gradient with a few shapes, so resampling and compression have detail to work on. */
function drawTestImage(width: number, height: number, format: "png" | "jpeg"): Buffer {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext("2d");
  const gradient = context.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, "#1f77b4");
  gradient.addColorStop(1, "#ff7f0e");
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  context.fillStyle = "#000";
  context.fillRect(width / 4, height / 4, width / 8, height / 2);
  context.beginPath();
  context.arc(width * 0.7, height / 2, Math.min(width, height) / 4, 0, Math.PI * 2);
  context.fill();
  return format === "png" ? canvas.encodeSync("png") : canvas.encodeSync("jpeg", 95);
}

/** A JPEG with an EXIF APP1 segment whose orientation is 6 (rotate 90° clockwise to view). */
function withExifOrientation6(jpeg: Buffer): Buffer {
  const tiff = Buffer.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, payload, jpeg.subarray(2)]);
}

function sentBytes(encoded: EncodedImage): Buffer {
  const [prefix, base64] = encoded.dataUri.split(",");
  assert.equal(prefix, `data:${encoded.mime};base64`);
  return Buffer.from(base64 ?? "", "base64");
}

const png = drawTestImage(37, 23, "png");
const jpeg = drawTestImage(41, 19, "jpeg");

describe("imageMime", () => {
  test("PNG and JPEG by their magic bytes, whatever the name says", async () => {
    assert.equal(imageMime(png), "image/png");
    assert.equal(imageMime(jpeg), "image/jpeg");
    assert.equal((await encodeImage({ bytes: png, name: "photo.jpg" })).mime, "image/png");
  });

  test("anything else is null", () => {
    assert.equal(imageMime(Buffer.from("GIF89a\x01\x00\x01\x00", "latin1")), null);
    assert.equal(imageMime(Buffer.from("hello, world")), null);
    assert.equal(imageMime(Buffer.alloc(0)), null);
    assert.equal(imageMime(png.subarray(0, 7)), null);
  });
});

describe("encodeImage: the original bytes when they fit", () => {
  test("without maxSide: untouched bytes, size from the PNG header", async () => {
    const encoded = await encodeImage({ bytes: png, name: "a.png" });
    assert.deepEqual(sentBytes(encoded), png);
    assert.equal(encoded.sha256, sha256(png));
    assert.equal(encoded.sourceSha256, encoded.sha256);
    assert.deepEqual([encoded.mime, encoded.width, encoded.height, encoded.resized], ["image/png", 37, 23, false]);
  });

  test("size from the JPEG frame header, past the APP segments before it", async () => {
    const encoded = await encodeImage({ bytes: jpeg, name: "a.jpg" });
    assert.deepEqual([encoded.mime, encoded.width, encoded.height, encoded.resized], ["image/jpeg", 41, 19, false]);
    assert.deepEqual(sentBytes(encoded), jpeg);
    const exif = await encodeImage({ bytes: withExifOrientation6(jpeg), name: "exif.jpg" });
    assert.deepEqual([exif.width, exif.height], [41, 19]);
  });

  test("the header size matches what the decoder reads", async () => {
    for (const bytes of [png, jpeg, drawTestImage(640, 480, "jpeg")]) {
      const encoded = await encodeImage({ bytes, name: "x" });
      const image = await loadImage(bytes);
      assert.deepEqual([encoded.width, encoded.height], [image.width, image.height]);
    }
  });

  test("an image whose longest side is at most maxSide is passed through", async () => {
    for (const maxSide of [37, 38, 1000]) {
      const encoded = await encodeImage({ bytes: png, name: "a.png" }, { maxSide });
      assert.equal(encoded.resized, false);
      assert.equal(encoded.sha256, encoded.sourceSha256);
    }
  });
});

describe("encodeImage: downscaling", () => {
  test("a landscape PNG: longest side maxSide, aspect ratio kept, still PNG", async () => {
    const source = drawTestImage(300, 120, "png");
    const encoded = await encodeImage({ bytes: source, name: "wide.png" }, { maxSide: 100 });
    assert.deepEqual([encoded.mime, encoded.width, encoded.height, encoded.resized], ["image/png", 100, 40, true]);
    assert.equal(encoded.sourceSha256, sha256(source));
    assert.equal(encoded.sha256, sha256(sentBytes(encoded)));
    assert.notEqual(encoded.sha256, encoded.sourceSha256);
    const decoded = await loadImage(sentBytes(encoded));
    assert.deepEqual([decoded.width, decoded.height], [100, 40]);
  });

  test("a portrait JPEG: rounded short side, still JPEG", async () => {
    const encoded = await encodeImage({ bytes: drawTestImage(90, 240, "jpeg"), name: "tall.jpg" }, { maxSide: 60 });
    assert.deepEqual([encoded.mime, encoded.width, encoded.height], ["image/jpeg", 23, 60]); // 22.5 rounds up
    assert.equal(imageMime(sentBytes(encoded)), "image/jpeg");
    const sent = await encodeImage({ bytes: sentBytes(encoded), name: "sent.jpg" });
    assert.deepEqual([sent.width, sent.height], [23, 60]);
  });

  test("a very thin image keeps at least one pixel across", async () => {
    const encoded = await encodeImage({ bytes: drawTestImage(1000, 2, "png"), name: "line.png" }, { maxSide: 10 });
    assert.deepEqual([encoded.width, encoded.height], [10, 1]);
  });

  test("the same input gives identical bytes", async () => {
    const source = drawTestImage(500, 300, "jpeg");
    for (const bytes of [source, drawTestImage(500, 300, "png")]) {
      const first = await encodeImage({ bytes, name: "a" }, { maxSide: 128 });
      const second = await encodeImage({ bytes: Buffer.from(bytes), name: "b" }, { maxSide: 128 });
      assert.equal(first.sha256, second.sha256);
      assert.equal(first.dataUri, second.dataUri);
    }
  });

  test("a JPEG's EXIF orientation is applied: the downscaled image is upright", async () => {
    const rotated = withExifOrientation6(drawTestImage(200, 100, "jpeg"));
    const encoded = await encodeImage({ bytes: rotated, name: "phone.jpg" }, { maxSide: 100 });
    assert.deepEqual([encoded.width, encoded.height], [50, 100]);
  });
});

describe("encodeImage: errors", () => {
  const rejects = (bytes: Buffer, problem: RegExp) =>
    assert.rejects(encodeImage({ bytes, name: "images/item-7.gif" }), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.equal(error.location.file, "images/item-7.gif");
      assert.match(error.message, /^images\/item-7\.gif: /);
      assert.match(error.message, problem);
      return true;
    });

  test("GIF, WebP, text and empty input name the image and the accepted formats", async () => {
    const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WEBPVP8 ")]);
    await rejects(Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"), /not a PNG or JPEG image \(it is a GIF\).*PNG and JPEG are accepted/);
    await rejects(webp, /it is a WebP.*PNG and JPEG are accepted/);
    await rejects(Buffer.from("not an image"), /its first bytes match neither.*PNG and JPEG are accepted/);
    await rejects(Buffer.alloc(0), /the file is empty.*PNG and JPEG are accepted/);
  });

  test("a truncated header", async () => {
    await rejects(png.subarray(0, 20), /PNG header is truncated or malformed/);
    const beforeFrameHeader = jpeg.subarray(0, jpeg.indexOf(Buffer.from([0xff, 0xc0])));
    await rejects(beforeFrameHeader, /JPEG is truncated or malformed/);
  });

  test("a valid header with undecodable data fails only when it must be decoded", async () => {
    const source = drawTestImage(200, 100, "jpeg");
    const headerOnly = source.subarray(0, source.indexOf(Buffer.from([0xff, 0xda])));
    const passedThrough = await encodeImage({ bytes: headerOnly, name: "cut.jpg" });
    assert.deepEqual([passedThrough.width, passedThrough.height], [200, 100]);
    await assert.rejects(
      encodeImage({ bytes: headerOnly, name: "cut.jpg" }, { maxSide: 50 }),
      (error: unknown) => error instanceof DataError && /^cut\.jpg: cannot decode the JPEG image/.test(error.message),
    );
  });

  test("maxSide must be a positive whole number", async () => {
    for (const maxSide of [0, -5, 1.5, Number.NaN]) {
      await assert.rejects(encodeImage({ bytes: png, name: "a.png" }, { maxSide }), UsageError, String(maxSide));
    }
  });
});
