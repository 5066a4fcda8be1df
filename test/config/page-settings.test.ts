import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadSettings, SettingsError } from '../../src/config/settings.js';

describe('page and zip settings', () => {
  it('uses the documented defaults', () => {
    const settings = loadSettings({});
    assert.deepEqual(settings.pageAllowlist, []);
    assert.equal(settings.zipMaxEntries, 1000);
    assert.equal(settings.zipMaxUnpackedBytes, 104_857_600);
    assert.equal(settings.zipMaxCompressionRatio, 100);
  });

  it('reads the allowlist and the limits', () => {
    const settings = loadSettings({
      VITRAIL_PAGE_ALLOWLIST: ' @paroisse.fr , 01 23 45 67 89,,',
      VITRAIL_ZIP_MAX_ENTRIES: '50',
      VITRAIL_ZIP_MAX_UNPACKED_BYTES: '1048576',
      VITRAIL_ZIP_MAX_RATIO: '20',
    });
    assert.deepEqual(settings.pageAllowlist, ['@paroisse.fr', '01 23 45 67 89']);
    assert.ok(Object.isFrozen(settings.pageAllowlist));
    assert.equal(settings.zipMaxEntries, 50);
    assert.equal(settings.zipMaxUnpackedBytes, 1_048_576);
    assert.equal(settings.zipMaxCompressionRatio, 20);
  });

  it('names the invalid zip limits', () => {
    assert.throws(
      () => loadSettings({ VITRAIL_ZIP_MAX_RATIO: '1', VITRAIL_ZIP_MAX_ENTRIES: 'many' }),
      (error: unknown) => {
        assert.ok(error instanceof SettingsError);
        assert.equal(error.problems.length, 2);
        assert.match(error.message, /VITRAIL_ZIP_MAX_RATIO="1" is invalid: expected a whole number from 2 to 100000/);
        assert.match(error.message, /VITRAIL_ZIP_MAX_ENTRIES="many" is invalid: expected a whole number of zip entries/);
        return true;
      },
    );
  });
});
