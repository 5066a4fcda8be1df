import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';

import { bodyStream } from '../../src/media/tus-request.js';

const KIB = 1024;

describe('tus request body stream', () => {
  it('passes socket buffers without copying', async () => {
    const source = new PassThrough();
    const sent = [Buffer.from('première partie, '), Buffer.from('seconde partie')];
    const reader = bodyStream(source).getReader();
    for (const chunk of sent) source.write(chunk);
    source.end();
    const received: Uint8Array[] = [];
    for (let step = await reader.read(); !step.done; step = await reader.read()) received.push(step.value);
    assert.equal(Buffer.concat(received).toString(), 'première partie, seconde partie');
    assert.ok(received.every((chunk, index) => chunk === sent[index]), 'the same buffers, not copies');
  });

  it('pauses the source past 1 MiB', async () => {
    const source = new PassThrough({ highWaterMark: 64 * KIB });
    const reader = bodyStream(source).getReader();
    let written = 0;
    while (written < 4 * 1024 * KIB && source.write(Buffer.alloc(64 * KIB))) written += 64 * KIB;
    await sleep(20);
    assert.ok(source.isPaused(), 'the source is paused');
    assert.ok(written < 3 * 1024 * KIB, `${written} bytes were accepted before the pause`);
    const first = await reader.read();
    assert.equal(first.done, false);
    await reader.cancel();
  });

  it('fails when the source fails', async () => {
    const source = new PassThrough();
    const reader = bodyStream(source).getReader();
    source.destroy(new Error('connection reset'));
    await assert.rejects(reader.read(), /connection reset/);
  });

  it('fails on a premature close', async () => {
    const source = new PassThrough();
    const reader = bodyStream(source).getReader();
    source.write(Buffer.from('début'));
    source.destroy();
    const readAll = async (): Promise<void> => {
      for (let step = await reader.read(); !step.done; step = await reader.read());
    };
    await assert.rejects(readAll(), /premature close/i);
  });

  it('destroys the source when cancelled', async () => {
    const source = new PassThrough();
    await bodyStream(source).cancel(new Error('upload refused'));
    assert.equal(source.destroyed, true);
  });
});
