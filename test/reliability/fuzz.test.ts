import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { MINIMAL_PDF, rawMultipart, stagingLeftovers, upload } from '../support/uploads.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

/** Inputs per fuzz target: bounded in CI, raised by `npm run test:long` (VITRAIL_FUZZ_ITERATIONS). */
const ITERATIONS = Number(process.env.VITRAIL_FUZZ_ITERATIONS ?? '150');

const pick = <T>(choices: readonly T[]): T => choices[randomInt(choices.length)] as T;

describe('fuzzing', () => {
  let server: TestServer;
  let mediaUrl: string;
  let etag: string;

  before(async () => {
    server = await startTestServer();
    const media = (await (await upload(server, { name: 'fuzz.pdf', content: MINIMAL_PDF })).json()) as { url: string; sha256: string };
    mediaUrl = media.url;
    etag = `"${media.sha256}"`;
  });
  after(async () => {
    await server.close();
  });

  it('never answers 5xx to mutated multipart uploads', async () => {
    const valid = rawMultipart([
      { headers: 'Content-Disposition: form-data; name="alt"', body: 'texte' },
      { headers: 'Content-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf', body: MINIMAL_PDF },
    ]);
    for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
      const body = mutate(valid.body);
      const contentType = randomInt(10) === 0 ? pick(['multipart/form-data', 'multipart/form-data; boundary=', 'text/plain']) : valid.contentType;
      const response = await fetch(`${server.url}/api/v1/media`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'content-type': contentType },
        body,
      });
      assert.ok(response.status < 500, `status ${response.status} for body ${JSON.stringify(body.toString('latin1'))}`);
      await response.arrayBuffer();
    }
    assert.deepEqual(await stagingLeftovers(server), []);
  });

  it('never answers 5xx to random Range and conditional headers', async () => {
    const rangeParts = ['bytes=', '0', '-', '5', ',', '999999', ' ', 'x', '-1', '=', '00', '18446744073709551616'];
    const dates = ['Fri, 01 May 2026 10:00:00 GMT', 'yesterday', '', 'Thu, 01 Jan 1970 00:00:00 GMT', '9999'];
    for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
      const headers: Record<string, string> = {};
      if (randomInt(2) === 0) headers.range = Array.from({ length: randomInt(1, 8) }, () => pick(rangeParts)).join('');
      if (randomInt(3) === 0) headers['if-range'] = pick([etag, `W/${etag}`, '"x"', ...dates]);
      if (randomInt(3) === 0) headers['if-none-match'] = pick([etag, '*', '"x", W/"y"', ',', '']);
      if (randomInt(3) === 0) headers['if-match'] = pick([etag, '*', '"x"', 'garbage']);
      if (randomInt(3) === 0) headers['if-modified-since'] = pick(dates);
      if (randomInt(3) === 0) headers['if-unmodified-since'] = pick(dates);
      const response = await fetch(mediaUrl, { method: pick(['GET', 'HEAD']), headers });
      assert.ok(response.status < 500, `status ${response.status} for ${JSON.stringify(headers)}`);
      assert.ok([200, 206, 304, 412, 416].includes(response.status), `unexpected ${response.status} for ${JSON.stringify(headers)}`);
      await response.arrayBuffer();
    }
  });

  it('never answers 5xx to random bytes uploaded as images', async () => {
    const signatures = [
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
      Buffer.from('GIF89a'),
      Buffer.from('RIFF\x00\x00\x00\x00WEBP', 'latin1'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'),
    ];
    for (let iteration = 0; iteration < Math.ceil(ITERATIONS / 3); iteration += 1) {
      const content = Buffer.concat([pick(signatures), randomBytes(randomInt(0, 4096))]);
      const response = await upload(server, { name: 'bruit.jpg', content });
      assert.ok(response.status < 500, `status ${response.status} for ${content.subarray(0, 16).toString('hex')}`);
      await response.arrayBuffer();
    }
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  it('never answers 5xx to random query parameters', async () => {
    const keys = ['limit', 'cursor', 'q', 'trash', 'w', 'utm_source', '__proto__', 'constructor'];
    for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
      const query = Array.from({ length: randomInt(1, 5) }, () => `${pick(keys)}=${encodeURIComponent(randomBytes(randomInt(0, 12)).toString('latin1'))}`).join('&');
      const listing = await fetch(`${server.url}/api/v1/media?${query}`, { headers: bearer(server.editorToken) });
      assert.ok(listing.status < 500, `listing ${listing.status} for ${query}`);
      await listing.arrayBuffer();
      const media = await fetch(`${mediaUrl}?${query}`);
      assert.ok(media.status < 500, `media ${media.status} for ${query}`);
      await media.arrayBuffer();
    }
  });
});

/** Applies one to four random edits to a body: flipped bytes, cuts, duplications, inserted CRLFs. */
function mutate(original: Buffer): Buffer {
  let body = Buffer.from(original);
  for (let edit = randomInt(1, 5); edit > 0; edit -= 1) {
    const at = randomInt(Math.max(body.length, 1));
    switch (randomInt(5)) {
      case 0:
        body[at] = randomInt(256);
        break;
      case 1:
        body = body.subarray(0, at);
        break;
      case 2:
        body = Buffer.concat([body.subarray(0, at), body.subarray(at, at + randomInt(1, 64)), body.subarray(at)]);
        break;
      case 3:
        body = Buffer.concat([body.subarray(0, at), Buffer.from('\r\n'), body.subarray(at)]);
        break;
      default:
        body = Buffer.concat([body.subarray(0, at), randomBytes(randomInt(1, 32)), body.subarray(at)]);
    }
  }
  return body;
}
