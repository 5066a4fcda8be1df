import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { ERROR_CATALOGUE, VitrailError, type ErrorCode } from '../../src/errors/catalogue.js';

const documented = async (): Promise<Map<string, number>> => {
  const text = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const match of text.matchAll(/^\| `(VITRAIL_[A-Z0-9_]+)` \| (\d{3}) \|/gm)) {
    rows.set(match[1] ?? '', Number(match[2]));
  }
  return rows;
};

describe('error catalogue', () => {
  it('documents every code with its status', async () => {
    const rows = await documented();
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.equal(rows.get(code), entry.status, `docs/errors.md must list ${code} with status ${entry.status}`);
    }
  });

  it('documents no code that does not exist', async () => {
    const rows = await documented();
    for (const code of rows.keys()) {
      assert.ok(code in ERROR_CATALOGUE, `docs/errors.md lists ${code}, which the catalogue does not have`);
    }
  });

  it('fills message placeholders', () => {
    const error = new VitrailError('VITRAIL_MEDIA_NOT_FOUND', { id: 'abc' });
    assert.equal(error.message, 'No media has the id "abc".');
    assert.equal(error.status, 404);
    assert.ok(error instanceof Error);
  });

  it('uses the VITRAIL_ prefix for every code', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) assert.match(code, /^VITRAIL_[A-Z0-9_]+$/);
  });
});
