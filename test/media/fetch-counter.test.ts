import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';

import { FetchCountRepository } from '../../src/db/repositories/fetch-count-repository.js';
import { FetchCounter } from '../../src/media/fetch-counter.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const DAY_MS = 24 * 3600 * 1000;

/** A clock the test moves by hand. */
class SetClock {
  constructor(private time: number) {}
  now(): Date {
    return new Date(this.time);
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

describe('fetch counter', () => {
  let server: TestServer;
  let mediaIds: string[];

  before(async () => {
    server = await startTestServer();
    mediaIds = [];
    for (const name of ['a.pdf', 'b.pdf']) {
      const response = await upload(server, { name, content: `${MINIMAL_PDF}% ${name}\n`, type: 'application/pdf' });
      assert.equal(response.status, 201);
      mediaIds.push(((await response.json()) as { id: string }).id);
    }
  });
  after(() => server.close());

  it('counts fetches by media and day', async () => {
    const [first = '', second = ''] = mediaIds;
    // 23:00 UTC, so that one hour later is another day.
    const clock = new SetClock(Date.UTC(2026, 10, 2, 23));
    const counter = new FetchCounter(new FetchCountRepository(server.server.vitrail.db), clock, pino({ level: 'silent' }));

    counter.record(first);
    counter.record(first);
    counter.record(second);
    clock.advance(3600 * 1000);
    counter.record(first);
    assert.equal(await counter.countRecent(first), 3, 'unwritten counts of two days');
    assert.equal(await counter.countRecent(second), 1);

    await counter.flush();
    assert.equal(await counter.countRecent(first), 3, 'the same counts once written');
    // The day's counts went with the flush: later fetches of the same day must still count.
    counter.record(first);
    counter.record(second);
    assert.equal(await counter.countRecent(first), 4);
    await counter.flush();
    assert.equal(await counter.countRecent(first), 4);
    assert.equal(await counter.countRecent(second), 2);

    // Seven days after the first day, its two fetches of `first` no longer count; the next day's do.
    clock.advance(6 * DAY_MS);
    assert.equal(await counter.countRecent(first), 2);
    assert.equal(await counter.countRecent(second), 1);
  });
});
