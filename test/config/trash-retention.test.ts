import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadSettings, SettingsError } from '../../src/config/settings.js';

describe('VITRAIL_TRASH_RETENTION_DAYS', () => {
  it('defaults to 30 days', () => {
    assert.equal(loadSettings({}, '/srv').trashRetentionDays, 30);
  });

  it('accepts 0 for a purge at the next maintenance', () => {
    assert.equal(loadSettings({ VITRAIL_TRASH_RETENTION_DAYS: '0' }, '/srv').trashRetentionDays, 0);
  });

  it('rejects a value that is not a whole number of days', () => {
    for (const value of ['-1', '2.5', '30d', '99999']) {
      assert.throws(
        () => loadSettings({ VITRAIL_TRASH_RETENTION_DAYS: value }, '/srv'),
        (error: unknown) => error instanceof SettingsError && /VITRAIL_TRASH_RETENTION_DAYS=.*whole number of days/.test(error.message),
        value,
      );
    }
  });
});
