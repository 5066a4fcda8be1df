import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_MAX_UPLOAD_BYTES, loadSettings, SettingsError } from '../../src/config/settings.js';
import { findPublicUrlWarnings } from '../../src/config/public-url-warnings.js';

describe('loadSettings', () => {
  it('uses the documented defaults', () => {
    const settings = loadSettings({}, '/srv/vitrail');
    assert.equal(settings.dataDir, '/srv/vitrail/data');
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.port, 8080);
    assert.equal(settings.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(settings.publicUrlIsSet, false);
    assert.equal(settings.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES);
    assert.equal(settings.maxUploadBytes, 262_144_000);
    assert.equal(settings.initialAdmin, null);
  });

  it('returns a frozen object', () => {
    const settings = loadSettings({});
    assert.ok(Object.isFrozen(settings));
    assert.ok(Object.isFrozen(settings.allowedTypes));
  });

  it('reads every variable', () => {
    const settings = loadSettings(
      {
        VITRAIL_DATA_DIR: '/var/lib/vitrail',
        VITRAIL_HOST: '0.0.0.0',
        VITRAIL_PORT: '9000',
        VITRAIL_PUBLIC_URL: 'https://media.paroisse.fr/',
        VITRAIL_MAX_UPLOAD_BYTES: '1048576',
        VITRAIL_ALLOWED_TYPES: 'image/*, application/pdf',
        VITRAIL_ADMIN_EMAIL: 'admin@paroisse.fr',
        VITRAIL_ADMIN_PASSWORD: 'secret secret',
      },
      '/',
    );
    assert.equal(settings.dataDir, '/var/lib/vitrail');
    assert.equal(settings.host, '0.0.0.0');
    assert.equal(settings.port, 9000);
    assert.equal(settings.publicUrl, 'https://media.paroisse.fr');
    assert.equal(settings.publicUrlIsSet, true);
    assert.equal(settings.maxUploadBytes, 1_048_576);
    assert.deepEqual(settings.allowedTypes, ['image/*', 'application/pdf']);
    assert.deepEqual(settings.initialAdmin, { email: 'admin@paroisse.fr', password: 'secret secret' });
  });

  it('names the variable, the value and what is allowed', () => {
    assert.throws(
      () => loadSettings({ VITRAIL_PORT: 'huit-mille' }),
      (error: SettingsError) =>
        error instanceof SettingsError &&
        error.message.includes('VITRAIL_PORT="huit-mille"') &&
        error.message.includes('a TCP port from 0 to 65535'),
    );
  });

  it('reads the public path settings', () => {
    const defaults = loadSettings({}, '/srv/vitrail');
    assert.equal(defaults.memoryCacheBytes, 128 * 1024 * 1024);
    assert.equal(defaults.workers, 1);
    assert.equal(defaults.publicMirrorDir, null);

    const settings = loadSettings({ VITRAIL_MEMORY_CACHE_BYTES: '0', VITRAIL_WORKERS: '2', VITRAIL_PUBLIC_MIRROR_DIR: 'mirror' }, '/srv/vitrail');
    assert.equal(settings.memoryCacheBytes, 0);
    assert.equal(settings.workers, 2);
    assert.equal(settings.publicMirrorDir, '/srv/vitrail/mirror');
  });

  it('rejects invalid public path settings', () => {
    assert.throws(
      () => loadSettings({ VITRAIL_MEMORY_CACHE_BYTES: '64 megs', VITRAIL_WORKERS: '0' }),
      (error: SettingsError) =>
        error.problems.length === 2 &&
        error.problems.some((problem) => problem.startsWith('VITRAIL_MEMORY_CACHE_BYTES="64 megs" is invalid: expected a size in bytes')) &&
        error.problems.some((problem) => problem.startsWith('VITRAIL_WORKERS="0" is invalid: expected a whole number of server processes from 1 to 64')),
    );
  });

  it('reads byte sizes with units', () => {
    const cases = [
      ['VITRAIL_MAX_UPLOAD_BYTES', '10MB', 'maxUploadBytes', 10_000_000],
      ['VITRAIL_MAX_UPLOAD_BYTES', '250MiB', 'maxUploadBytes', 262_144_000],
      ['VITRAIL_MAX_UPLOAD_BYTES', '1048576', 'maxUploadBytes', 1_048_576],
      ['VITRAIL_ZIP_MAX_UNPACKED_BYTES', '1GiB', 'zipMaxUnpackedBytes', 1024 ** 3],
      ['VITRAIL_ZIP_MAX_UNPACKED_BYTES', '100000', 'zipMaxUnpackedBytes', 100_000],
      ['VITRAIL_MEMORY_CACHE_BYTES', '64MB', 'memoryCacheBytes', 64_000_000],
      ['VITRAIL_MEMORY_CACHE_BYTES', '0', 'memoryCacheBytes', 0],
    ] as const;
    for (const [variable, raw, key, expected] of cases) {
      assert.equal(loadSettings({ [variable]: raw })[key], expected, `${variable}=${raw}`);
    }
  });

  it('rejects a zero upload limit', () => {
    assert.throws(
      () => loadSettings({ VITRAIL_MAX_UPLOAD_BYTES: '0' }),
      (error: SettingsError) => error.problems[0]?.startsWith('VITRAIL_MAX_UPLOAD_BYTES="0" is invalid: expected a size above 0 in bytes') === true,
    );
  });

  it('reports every invalid variable at once', () => {
    assert.throws(
      () =>
        loadSettings({
          VITRAIL_PORT: '70000',
          VITRAIL_PUBLIC_URL: 'ftp://example.org',
          VITRAIL_MAX_UPLOAD_BYTES: '-5',
          VITRAIL_ALLOWED_TYPES: 'images',
          VITRAIL_LOG_LEVEL: 'loud',
        }),
      (error: SettingsError) => error.problems.length === 5,
    );
  });

  it('rejects a public URL with a query string or credentials', () => {
    assert.throws(() => loadSettings({ VITRAIL_PUBLIC_URL: 'https://example.org/?a=1' }), SettingsError);
    assert.throws(() => loadSettings({ VITRAIL_PUBLIC_URL: 'https://user:pw@example.org' }), SettingsError);
  });

  it('requires the admin e-mail and password together', () => {
    assert.throws(() => loadSettings({ VITRAIL_ADMIN_EMAIL: 'admin@paroisse.fr' }), SettingsError);
  });
});

describe('findPublicUrlWarnings', () => {
  it('warns about loopback addresses', () => {
    assert.equal(findPublicUrlWarnings('http://127.0.0.1:8080').length, 1);
    assert.equal(findPublicUrlWarnings('http://localhost:8080').length, 1);
  });

  it('warns about plain http on a public name', () => {
    assert.equal(findPublicUrlWarnings('http://media.paroisse.fr').length, 1);
  });

  it('accepts https on a public name and http on a private address', () => {
    assert.deepEqual(findPublicUrlWarnings('https://media.paroisse.fr'), []);
    assert.deepEqual(findPublicUrlWarnings('http://192.168.1.20:8080'), []);
  });
});
