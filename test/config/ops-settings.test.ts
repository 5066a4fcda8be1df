import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_MIN_FREE_DISK_BYTES } from '../../src/config/ops-settings.js';
import { listSettingVariables } from '../../src/config/settings-file.js';
import { loadSettings, SettingsError } from '../../src/config/settings.js';

describe('operations settings', () => {
  it('uses the documented defaults', () => {
    const { ops } = loadSettings({}, '/srv/vitrail');
    assert.equal(ops.backupDir, null);
    assert.equal(ops.backupIntervalMs, 24 * 3_600_000);
    assert.equal(ops.backupKeep, 7);
    assert.equal(ops.maintenance, true);
    assert.equal(ops.databaseMaintenanceIntervalMs, 6 * 3_600_000);
    assert.equal(ops.stagingCleanupIntervalMs, 3_600_000);
    assert.equal(ops.trashPurgeIntervalMs, 3_600_000);
    assert.equal(ops.cleanupGraceMs, 6 * 3_600_000);
    assert.equal(ops.minFreeDiskBytes, DEFAULT_MIN_FREE_DISK_BYTES);
    assert.equal(ops.userQuotaBytes, null);
    assert.equal(ops.storageQuotaBytes, null);
    assert.deepEqual(ops.metrics, { enabled: true, listen: null });
    assert.equal(ops.tls, null);
    assert.equal(ops.trustProxy, false);
    assert.ok(Object.isFrozen(ops));
  });

  it('reads units of durations and sizes', () => {
    const { ops } = loadSettings(
      {
        VITRAIL_BACKUP_DIR: 'backups',
        VITRAIL_BACKUP_INTERVAL: '12h',
        VITRAIL_CLEANUP_GRACE: '90',
        VITRAIL_MAINTENANCE_STAGING_INTERVAL: '15m',
        VITRAIL_MIN_FREE_DISK: '2GiB',
        VITRAIL_USER_QUOTA: '500MB',
        VITRAIL_STORAGE_QUOTA: 'none',
        VITRAIL_METRICS_PORT: '9464',
        VITRAIL_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
        VITRAIL_TLS_CERT: 'tls/cert.pem',
        VITRAIL_TLS_KEY: '/etc/vitrail/key.pem',
      },
      '/srv/vitrail',
    );
    assert.equal(ops.backupDir, '/srv/vitrail/backups');
    assert.equal(ops.backupIntervalMs, 12 * 3_600_000);
    assert.equal(ops.cleanupGraceMs, 90_000);
    assert.equal(ops.stagingCleanupIntervalMs, 15 * 60_000);
    assert.equal(ops.minFreeDiskBytes, 2 * 1024 ** 3);
    assert.equal(ops.userQuotaBytes, 500_000_000);
    assert.equal(ops.storageQuotaBytes, null);
    assert.deepEqual(ops.metrics.listen, { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(ops.trustProxy, ['127.0.0.1', '10.0.0.0/8']);
    assert.deepEqual(ops.tls, { certFile: '/srv/vitrail/tls/cert.pem', keyFile: '/etc/vitrail/key.pem' });
  });

  it('reads a proxy hop count and switches', () => {
    const { ops } = loadSettings({ VITRAIL_TRUST_PROXY: '2', VITRAIL_METRICS: 'off', VITRAIL_MAINTENANCE: 'no' });
    assert.equal(ops.trustProxy, 2);
    assert.equal(ops.metrics.enabled, false);
    assert.equal(ops.maintenance, false);
  });

  it('lists every invalid value at once', () => {
    assert.throws(
      () =>
        loadSettings({
          VITRAIL_BACKUP_INTERVAL: '1 week',
          VITRAIL_MIN_FREE_DISK: '2 gigs',
          VITRAIL_BACKUP_KEEP: '0',
          VITRAIL_TRUST_PROXY: 'my-proxy',
          VITRAIL_TLS_CERT: '/etc/cert.pem',
        }),
      (error: unknown) => {
        assert.ok(error instanceof SettingsError);
        assert.match(error.message, /VITRAIL_BACKUP_INTERVAL="1 week" is invalid: expected a positive duration/);
        assert.match(error.message, /VITRAIL_MIN_FREE_DISK="2 gigs" is invalid: expected a size in bytes/);
        assert.match(error.message, /VITRAIL_BACKUP_KEEP="0" is invalid/);
        assert.match(error.message, /VITRAIL_TRUST_PROXY="my-proxy" is invalid/);
        assert.match(error.message, /VITRAIL_TLS_CERT and VITRAIL_TLS_KEY must be set together/);
        return true;
      },
    );
  });

  it('lists the variables loadSettings reads', () => {
    const variables = listSettingVariables();
    for (const name of ['VITRAIL_DATA_DIR', 'VITRAIL_PUBLIC_URL', 'VITRAIL_ADMIN_PASSWORD', 'VITRAIL_TLS_KEY', 'VITRAIL_CLEANUP_GRACE']) {
      assert.ok(variables.includes(name), `${name} is missing from ${variables.join(', ')}`);
    }
  });
});
