import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { loadSettings, SettingsError } from '../../src/config/settings.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

const CRM = 'https://crm.paroisse.example';

describe('VITRAIL_CORS_ORIGINS', () => {
  it('defaults to no origin', () => {
    assert.deepEqual(loadSettings({}).corsOrigins, []);
  });

  it('reads a comma-separated list of origins', () => {
    const settings = loadSettings({ VITRAIL_CORS_ORIGINS: ' https://CRM.example.org , http://127.0.0.1:8081 ' });
    assert.deepEqual(settings.corsOrigins, ['https://crm.example.org', 'http://127.0.0.1:8081']);
    assert.ok(Object.isFrozen(settings.corsOrigins));
  });

  for (const value of ['*', 'https://crm.example.org/', 'https://crm.example.org/civicrm', 'crm.example.org', 'ftp://crm.example.org', 'https://*.example.org', 'https://user@crm.example.org']) {
    it(`rejects ${value}`, () => {
      assert.throws(
        () => loadSettings({ VITRAIL_CORS_ORIGINS: value }),
        (error: unknown) => error instanceof SettingsError && error.message.includes(`VITRAIL_CORS_ORIGINS=${JSON.stringify(value)} is invalid`) && error.message.includes('no wildcard'),
      );
    });
  }
});

describe('editor CORS', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ VITRAIL_CORS_ORIGINS: `${CRM},http://127.0.0.1:1` });
  });
  after(() => server.close());

  const preflight = (path: string, origin: string) =>
    fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-requested-with' },
    });

  it('answers the preflight of a configured origin', async () => {
    for (const path of ['/integrations/ckeditor4/upload', '/integrations/ckeditor5/upload', '/integrations/mosaico/upload']) {
      const response = await preflight(path, CRM);
      assert.equal(response.status, 204, path);
      assert.equal(response.headers.get('access-control-allow-origin'), CRM, path);
      assert.match(response.headers.get('access-control-allow-headers') ?? '', /Authorization/i, path);
      assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/, path);
      assert.equal(response.headers.get('access-control-allow-credentials'), null, path);
      assert.match(response.headers.get('vary') ?? '', /Origin/i, path);
    }
  });

  it('gives no CORS header to another origin', async () => {
    const response = await preflight('/integrations/ckeditor5/upload', 'https://evil.example');
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('allows the actual request of a configured origin', async () => {
    const response = await fetch(`${server.url}/integrations/mosaico/upload`, { headers: { origin: CRM, ...bearer(server.editorToken) } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), CRM);
  });

  it('sends CORS headers on errors too, so the editor can read them', async () => {
    const response = await fetch(`${server.url}/integrations/mosaico/upload`, { headers: { origin: CRM } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('access-control-allow-origin'), CRM);
  });

  it('keeps CORS off the media API', async () => {
    const response = await fetch(`${server.url}/api/v1/media`, { headers: { origin: CRM, ...bearer(server.editorToken) } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });
});
