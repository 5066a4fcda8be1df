import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import pino from 'pino';

import { loadConfiguredSettings } from '../../src/config/settings-file.js';
import { loadSettings } from '../../src/config/settings.js';
import { buildApp } from '../../src/http/app.js';
import { openVitrail } from '../../src/vitrail.js';
import { SettingsError } from '../../src/config/settings.js';
import { runCli } from '../support/cli.js';
import { sampleValue } from '../support/metrics.js';
import { freePort } from '../support/nginx.js';
import { occupyPort } from '../support/occupied-port.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';

const run = promisify(execFile);

describe('GET /metrics', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('counts a request that was made, and uploads', async () => {
    const series = 'vitrail_http_requests_total{method="GET",route="/healthz",status="200"}';
    const before = sampleValue(await (await fetch(`${server.url}/metrics`)).text(), series);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const uploaded = await upload(server, { name: 'compte.pdf', content: MINIMAL_PDF });
    assert.equal(uploaded.status, 201);
    const { url } = (await uploaded.json()) as { url: string };
    assert.equal(await (await fetch(url)).text(), MINIMAL_PDF);

    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.equal(sampleValue(text, series), before + 1);
    assert.equal(sampleValue(text, 'vitrail_uploads_total'), 1);
    assert.equal(sampleValue(text, 'vitrail_upload_bytes_total'), Buffer.byteLength(MINIMAL_PDF));
    assert.ok(sampleValue(text, 'vitrail_storage_used_bytes') >= Buffer.byteLength(MINIMAL_PDF));
    assert.match(text, /^vitrail_variant_cache_hits_total 0$/m);
    assert.equal(sampleValue(text, 'vitrail_http_response_bytes_total{route="/m/:id/*"}'), Buffer.byteLength(MINIMAL_PDF));
  });

  it('labels unknown URLs as unmatched, not by path', async () => {
    await fetch(`${server.url}/no/such/page-123`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /route="unmatched",status="404"/);
    assert.doesNotMatch(text, /page-123/);
  });
});

describe('metrics settings', () => {
  it('turns /metrics off', async () => {
    const server = await startTestServer({ VITRAIL_METRICS: 'off' });
    try {
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it('serves /metrics on its own port', async () => {
    const server = await startTestServer({ VITRAIL_METRICS_PORT: '0' });
    try {
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
      const separate = server.server.metricsAddress;
      assert.ok(separate !== null);
      const response = await fetch(`${separate}/metrics`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /vitrail_http_requests_total/);
    } finally {
      await server.close();
    }
  });
});

describe('metrics port already in use', () => {
  it('names the metrics port setting and frees the main port', async () => {
    const occupied = await occupyPort();
    const metricsPort = occupied.port;
    const mainPort = await freePort();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-metrics-port-'));
    try {
      const env = { VITRAIL_DATA_DIR: dataDir, VITRAIL_PORT: String(mainPort), VITRAIL_METRICS_PORT: String(metricsPort) };
      await assert.rejects(startTestServer(env), (error: Error) => {
        assert.match(error.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${metricsPort}: another program`));
        assert.match(error.message, /VITRAIL_METRICS_PORT/);
        return true;
      });
      // The main listener, opened first, was closed on the way out.
      const reuse = net.createServer();
      await new Promise<void>((resolve, reject) => reuse.once('error', reject).listen(mainPort, '127.0.0.1', resolve));
      reuse.close();
    } finally {
      occupied.release();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('HTTPS with a self-signed certificate', () => {
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-tls-'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('answers curl --cacert', async () => {
    const generated = await runCli(['tls', 'self-signed', '--out', workDir], {});
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stderr, /for internal tests only/);

    const server = await startTestServer({
      VITRAIL_TLS_CERT: path.join(workDir, 'cert.pem'),
      VITRAIL_TLS_KEY: path.join(workDir, 'key.pem'),
    });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const { stdout } = await run('curl', ['--silent', '--show-error', '--cacert', path.join(workDir, 'cert.pem'), `${server.url}/healthz`]);
      assert.deepEqual(JSON.parse(stdout), { status: 'ok', checks: { database: 'ok', dataDir: 'ok' } });
      await assert.rejects(run('curl', ['--silent', '--show-error', `${server.url}/healthz`]), 'curl must reject the certificate without --cacert');
    } finally {
      await server.close();
    }
  });
});

describe('settings file', () => {
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-config-'));
  });
  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('merges file and environment with sources', async () => {
    const file = path.join(workDir, 'vitrail.toml');
    await writeFile(
      file,
      ['port = 9000', 'public_url = "https://media.example.org"', 'admin_email = "admin@example.org"', 'admin_password = "s3cret-value"', '', '[tls]', 'cert = "/etc/vitrail/cert.pem"', 'key = "/etc/vitrail/key.pem"', ''].join('\n'),
    );
    const configured = loadConfiguredSettings({ VITRAIL_CONFIG: file, VITRAIL_PORT: '9100' }, workDir);
    assert.equal(configured.settings.port, 9100);
    assert.equal(configured.settings.publicUrl, 'https://media.example.org');
    assert.deepEqual(configured.settings.ops.tls, { certFile: '/etc/vitrail/cert.pem', keyFile: '/etc/vitrail/key.pem' });
    const origin = (variable: string) => configured.origins.find((entry) => entry.variable === variable)?.source;
    assert.equal(origin('VITRAIL_PORT'), 'environment');
    assert.equal(origin('VITRAIL_PUBLIC_URL'), 'file');
    assert.equal(origin('VITRAIL_HOST'), 'default');

    const printed = await runCli(['config'], { VITRAIL_CONFIG: file, VITRAIL_PORT: '9100', VITRAIL_DATA_DIR: path.join(workDir, 'data') });
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /VITRAIL_PORT\s+9100\s+environment/);
    assert.match(printed.stdout, /VITRAIL_PUBLIC_URL\s+https:\/\/media\.example\.org\s+file /);
    assert.match(printed.stdout, /VITRAIL_ADMIN_PASSWORD\s+\*{8}\s+file /);
    assert.doesNotMatch(printed.stdout, /s3cret-value/);
  });

  it('names an unknown key and a bad value', async () => {
    const file = path.join(workDir, 'bad.toml');
    await writeFile(file, 'prot = 80\n');
    assert.throws(() => loadConfiguredSettings({ VITRAIL_CONFIG: file }, workDir), (error: unknown) => {
      assert.ok(error instanceof SettingsError);
      assert.match(error.message, /"prot" is not a setting/);
      return true;
    });
    await writeFile(file, 'port = "eighty"\n');
    assert.throws(() => loadConfiguredSettings({ VITRAIL_CONFIG: file }, workDir), /VITRAIL_PORT="eighty" is invalid/);
  });
});

describe('VITRAIL_TRUST_PROXY', () => {
  /** Builds the app, adds a route that echoes what Fastify made of the client, and asks it through a proxy. */
  async function clientSeenBehindProxy(trustProxy: string | undefined): Promise<{ ip: string; protocol: string }> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-proxy-'));
    const env: Record<string, string> = { VITRAIL_DATA_DIR: dataDir };
    if (trustProxy !== undefined) env.VITRAIL_TRUST_PROXY = trustProxy;
    const vitrail = await openVitrail(loadSettings(env), pino({ level: 'silent' }));
    const app = await buildApp(vitrail);
    app.get('/test/client', async (request) => ({ ip: request.ip, protocol: request.protocol }));
    try {
      const response = await app.inject({
        url: '/test/client',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
      });
      return response.json();
    } finally {
      await app.close();
      await vitrail.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  it('takes client and scheme from a trusted proxy', async () => {
    assert.deepEqual(await clientSeenBehindProxy('127.0.0.1'), { ip: '203.0.113.9', protocol: 'https' });
  });

  it('ignores forwarded headers by default', async () => {
    assert.deepEqual(await clientSeenBehindProxy(undefined), { ip: '127.0.0.1', protocol: 'http' });
  });
});
