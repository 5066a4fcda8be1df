import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import SqliteDatabase from 'better-sqlite3';
import pino from 'pino';
import sharp from 'sharp';

import { argon2PasswordHasher, type PasswordHasher } from '../../src/auth/passwords.js';
import { UserService } from '../../src/auth/user-service.js';
import { loadSettings } from '../../src/config/settings.js';
import { DATABASE_FILE_NAME } from '../../src/db/database.js';
import { UserRepository } from '../../src/db/repositories/user-repository.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { systemClock, type Clock } from '../../src/time/clock.js';
import { openVitrail } from '../../src/vitrail.js';
import { runCli } from '../support/cli.js';
import { spawnWorkers, type WorkerServer } from '../support/worker-server.js';
import { sendPage } from '../support/pages.js';
import { sessionHeaders, signIn, type SignedIn } from '../support/sessions.js';
import { bearer, startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';

/**
 * Every authentication and access rule of the threat model, one test each, against a real server and its
 * real SQLite file. Other test files cover some of these rules in their own context; here each rule is
 * stated once and fails on its own.
 */

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as ErrorBody).error.code;
}

function signInRequest(base: string, email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });
}

function cookieOf(response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** A clock that tests move forward, so the sign-in window passes without waiting. */
class MovableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
  }
}

/** Length of the sign-in window, as documented in docs/security.md and the 429 message. */
const SIGN_IN_WINDOW_MS = 15 * 60_000;

describe('sign-in limits', () => {
  let dataDir: string;
  let server: RunningServer;
  const clock = new MovableClock();

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-limits-'));
    const settings = loadSettings({ VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: '0' });
    server = await startServer(settings, pino({ level: 'silent' }), { clock });
    for (const email of ['target@example.org', 'bystander@example.org', 'returning@example.org']) {
      await server.vitrail.users.addUser(email, TEST_PASSWORD, 'editor');
    }
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('blocks an account after five failures', async () => {
    for (let failure = 0; failure < 5; failure += 1) {
      assert.equal((await signInRequest(server.address, 'target@example.org', 'wrong password')).status, 401);
    }
    const blocked = await signInRequest(server.address, 'target@example.org', TEST_PASSWORD);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get('retry-after'), '900');
    assert.equal(blocked.headers.get('set-cookie'), null);
    assert.equal(await errorCode(blocked), 'VITRAIL_AUTH_TOO_MANY_ATTEMPTS');
    // The limit is per account: another account signs in from the same address.
    assert.equal((await signInRequest(server.address, 'bystander@example.org', TEST_PASSWORD)).status, 201);
  });

  it('frees an account once the window has passed', async () => {
    clock.advance(SIGN_IN_WINDOW_MS - 60_000);
    assert.equal((await signInRequest(server.address, 'target@example.org', TEST_PASSWORD)).status, 429);
    clock.advance(60_000 + 1000);
    assert.equal((await signInRequest(server.address, 'target@example.org', TEST_PASSWORD)).status, 201);
  });

  it('forgets account failures after a success', async () => {
    for (let failure = 0; failure < 4; failure += 1) await signInRequest(server.address, 'returning@example.org', 'wrong password');
    assert.equal((await signInRequest(server.address, 'returning@example.org', TEST_PASSWORD)).status, 201);
    for (let failure = 0; failure < 4; failure += 1) await signInRequest(server.address, 'returning@example.org', 'wrong password');
    assert.equal((await signInRequest(server.address, 'returning@example.org', TEST_PASSWORD)).status, 201);
  });

  it('blocks an address after twenty failures', async () => {
    clock.advance(SIGN_IN_WINDOW_MS + 1000);
    // Unknown accounts, one failure each, so no account limit is reached on the way.
    for (let failure = 0; failure < 20; failure += 1) {
      assert.equal((await signInRequest(server.address, `guess${failure}@example.org`, 'wrong password')).status, 401);
    }
    const blocked = await signInRequest(server.address, 'bystander@example.org', TEST_PASSWORD);
    assert.equal(blocked.status, 429);
    assert.equal(await errorCode(blocked), 'VITRAIL_AUTH_TOO_MANY_ATTEMPTS');
  });

  it('frees an address once the window has passed', async () => {
    clock.advance(SIGN_IN_WINDOW_MS + 1000);
    assert.equal((await signInRequest(server.address, 'bystander@example.org', TEST_PASSWORD)).status, 201);
  });
});

describe('sign-in work', () => {
  it('checks a password for unknown accounts too', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-sign-in-work-'));
    const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
    try {
      // Counts the argon2id verifications, which set the response time of a sign-in.
      let verifications = 0;
      const passwords: PasswordHasher = {
        hash: (password) => argon2PasswordHasher.hash(password),
        verify: (hash, password) => {
          verifications += 1;
          return argon2PasswordHasher.verify(hash, password);
        },
      };
      const users = new UserService({ users: new UserRepository(vitrail.db), clock: systemClock, passwords });
      await users.addUser('known@example.org', TEST_PASSWORD, 'editor');
      await users.addUser('disabled@example.org', TEST_PASSWORD, 'editor');
      await users.setDisabled('disabled@example.org', true);

      const cases: [string, string, boolean][] = [
        ['known@example.org', TEST_PASSWORD, true],
        ['known@example.org', 'wrong password', false],
        ['nobody@example.org', 'wrong password', false],
        ['disabled@example.org', TEST_PASSWORD, false],
      ];
      for (const [email, password, accepted] of cases) {
        const before = verifications;
        assert.equal((await users.verifyCredentials(email, password)) !== null, accepted, email);
        assert.equal(verifications - before, 1, `${email}: one argon2id verification, as for any account`);
      }
    } finally {
      await vitrail.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('credentials at rest', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  /** Reads the database file and its write-ahead log as bytes, where a stored secret would show. */
  async function databaseBytes(): Promise<Buffer> {
    const files = (await readdir(server.dataDir)).filter((name) => name.startsWith(DATABASE_FILE_NAME));
    return Buffer.concat(await Promise.all(files.map((name) => readFile(path.join(server.dataDir, name)))));
  }

  it('stores passwords as argon2id', async () => {
    const db = new SqliteDatabase(path.join(server.dataDir, DATABASE_FILE_NAME), { readonly: true });
    try {
      const row = db.prepare('select password_hash from users where email = ?').get('editor@example.org') as { password_hash: string };
      // PHC string: argon2id, version 19, then its parameters, a 16-byte salt and a 32-byte hash.
      const match = /^\$argon2id\$v=19\$([a-z=0-9,]+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/.exec(row.password_hash);
      assert.ok(match !== null, `not an argon2id hash: ${row.password_hash.slice(0, 32)}`);
      // 64 MiB of memory, 3 passes, 4 lanes, as docs/security.md states.
      const parameters = Object.fromEntries((match[1] ?? '').split(',').map((pair) => pair.split('=')));
      assert.deepEqual(parameters, { m: '65536', t: '3', p: '4' });
    } finally {
      db.close();
    }
    assert.equal((await databaseBytes()).includes(TEST_PASSWORD), false, 'the password is in the database file');
  });

  it('stores API tokens only hashed', async () => {
    const admin = await signIn(server, 'admin@example.org');
    const response = await fetch(`${server.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { ...sessionHeaders(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'CiviCRM' }),
    });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { id: string; token: string };

    const bytes = await databaseBytes();
    assert.equal(bytes.includes(created.token), false, 'the token is in the database file');
    assert.equal(bytes.includes(created.token.slice(4)), false, 'the secret part of the token is in the database file');
    const row = await server.server.vitrail.db.selectFrom('api_tokens').select('token_hash').where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(row.token_hash, createHash('sha256').update(created.token).digest('hex'));
  });

  it('rejects a token one character off', async () => {
    const token = server.editorToken;
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: bearer(token) })).status, 200);
    for (const position of [4, Math.floor(token.length / 2), token.length - 1]) {
      const original = token[position] ?? '';
      const changed = `${token.slice(0, position)}${original === 'A' ? 'B' : 'A'}${token.slice(position + 1)}`;
      const response = await fetch(`${server.url}/api/v1/media`, { headers: bearer(changed) });
      assert.equal(response.status, 401, `character ${position} changed`);
      assert.equal(await errorCode(response), 'VITRAIL_AUTH_INVALID_TOKEN');
    }
  });
});

describe('sessions', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await server.createUserToken('attacker@example.org', 'editor');
  });
  after(async () => {
    await server.close();
  });

  const whoAmI = async (cookie: string): Promise<number | string> => {
    const response = await fetch(`${server.url}/api/v1/session`, { headers: { cookie } });
    if (response.status !== 200) return response.status;
    return ((await response.json()) as { user: { email: string } }).user.email;
  };

  it('gives a new session id at sign-in', async () => {
    // A cookie planted before sign-in, made up or of the attacker's own session, never becomes the victim's.
    const attacker = await signIn(server, 'attacker@example.org');
    for (const planted of ['vitrail_session=planted-by-another-site-0123456789abcdefghijklmn', attacker.cookie]) {
      const response = await signInRequest(server.url, 'admin@example.org', TEST_PASSWORD, { cookie: planted });
      assert.equal(response.status, 201);
      const issued = cookieOf(response);
      assert.match(issued, /^vitrail_session=[A-Za-z0-9_-]{43}$/);
      assert.notEqual(issued, planted);
      assert.equal(await whoAmI(issued), 'admin@example.org');
    }
    assert.equal(await whoAmI('vitrail_session=planted-by-another-site-0123456789abcdefghijklmn'), 401);
    assert.equal(await whoAmI(attacker.cookie), 'attacker@example.org');
  });

  it('ends the session at sign-out', async () => {
    const session = await signIn(server, 'editor@example.org');
    const other = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/session`, { method: 'DELETE', headers: sessionHeaders(session) });
    assert.equal(response.status, 204);
    assert.equal(await whoAmI(session.cookie), 401);
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: { cookie: session.cookie } })).status, 401);
    // Only that session ends; the same user's other browser stays signed in.
    assert.equal(await whoAmI(other.cookie), 'editor@example.org');
  });

  it('ends sessions when an admin disables the user', async () => {
    const token = await server.createUserToken('leaving@example.org', 'editor');
    const session = await signIn(server, 'leaving@example.org');
    const admin = await signIn(server, 'admin@example.org');
    const userId = await userIdOf(server, 'leaving@example.org');

    const response = await fetch(`${server.url}/api/v1/users/${userId}`, {
      method: 'PATCH',
      headers: { ...sessionHeaders(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ disabled: true }),
    });
    assert.equal(response.status, 200);
    assert.equal(await whoAmI(session.cookie), 401);
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: bearer(token) })).status, 401);
    assert.equal((await signInRequest(server.url, 'leaving@example.org', TEST_PASSWORD)).status, 401);
  });

  it('ends sessions when an admin resets the password', async () => {
    await server.createUserToken('forgetful@example.org', 'editor');
    const session = await signIn(server, 'forgetful@example.org');
    const admin = await signIn(server, 'admin@example.org');
    const response = await fetch(`${server.url}/api/v1/users/${await userIdOf(server, 'forgetful@example.org')}`, {
      method: 'PATCH',
      headers: { ...sessionHeaders(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a new password for you' }),
    });
    assert.equal(response.status, 200);
    assert.equal(await whoAmI(session.cookie), 401);
    assert.equal(await whoAmI(admin.cookie), 'admin@example.org');
  });

  it('stops a revoked token at once', async () => {
    const admin = await signIn(server, 'admin@example.org');
    const created = (await (
      await fetch(`${server.url}/api/v1/tokens`, {
        method: 'POST',
        headers: { ...sessionHeaders(admin), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'to revoke' }),
      })
    ).json()) as { id: string; token: string };
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: bearer(created.token) })).status, 200);
    const revoked = await fetch(`${server.url}/api/v1/tokens/${created.id}`, { method: 'DELETE', headers: sessionHeaders(admin) });
    assert.equal(revoked.status, 204);
    const response = await fetch(`${server.url}/api/v1/media`, { headers: bearer(created.token) });
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'VITRAIL_AUTH_INVALID_TOKEN');
  });
});

describe('session cookie flags', () => {
  it('flags the cookie HttpOnly, SameSite and Path', async () => {
    const server = await startTestServer();
    try {
      const session = await signIn(server, 'editor@example.org');
      assert.match(session.setCookie, /; HttpOnly/i);
      assert.match(session.setCookie, /; SameSite=Lax/i);
      assert.match(session.setCookie, /; Path=\/(;|$)/);
      assert.doesNotMatch(session.setCookie, /; Secure/i, 'plain http cannot carry a Secure cookie');
    } finally {
      await server.close();
    }
  });

  it('marks the cookie Secure over TLS', async () => {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-tls-cookie-'));
    try {
      const generated = await runCli(['tls', 'self-signed', '--out', workDir], {});
      assert.equal(generated.code, 0, generated.stderr);
      const ca = await readFile(path.join(workDir, 'cert.pem'));
      // No VITRAIL_PUBLIC_URL: the server is reached over https all the same.
      const server = await startTestServer({ VITRAIL_TLS_CERT: path.join(workDir, 'cert.pem'), VITRAIL_TLS_KEY: path.join(workDir, 'key.pem') });
      try {
        const setCookie = await signInOverHttps(server.url, ca);
        assert.match(setCookie, /^vitrail_session=/);
        assert.match(setCookie, /; Secure/i);
        assert.match(setCookie, /; HttpOnly/i);
      } finally {
        await server.close();
      }
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const server = await startTestServer({ VITRAIL_TRUST_PROXY: '127.0.0.1' });
    try {
      const proxied = await signInRequest(server.url, 'editor@example.org', TEST_PASSWORD, { 'x-forwarded-proto': 'https' });
      assert.equal(proxied.status, 201);
      assert.match(proxied.headers.get('set-cookie') ?? '', /; Secure/i);
      const direct = await signInRequest(server.url, 'editor@example.org', TEST_PASSWORD);
      assert.doesNotMatch(direct.headers.get('set-cookie') ?? '', /; Secure/i);
    } finally {
      await server.close();
    }
  });

  it('ignores the forwarded scheme of an untrusted client', async () => {
    const server = await startTestServer();
    try {
      const response = await signInRequest(server.url, 'editor@example.org', TEST_PASSWORD, { 'x-forwarded-proto': 'https' });
      assert.equal(response.status, 201);
      assert.doesNotMatch(response.headers.get('set-cookie') ?? '', /; Secure/i);
    } finally {
      await server.close();
    }
  });
});

/** State-changing methods, which a cross-site request could use to act with the session's rights. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Routes that may be called with a session cookie and no CSRF token, each with the reason. Anything not
 * listed here must reject such a request.
 */
const CSRF_EXEMPT_ROUTES: Readonly<Record<string, string>> = {
  'POST /api/v1/session': 'sign-in opens a new session and acts with none; it checks the password instead',
};

describe('CSRF protection', () => {
  let server: TestServer;
  let admin: SignedIn;
  let other: SignedIn;
  let ids: Record<string, string>;

  before(async () => {
    server = await startTestServer();
    admin = await signIn(server, 'admin@example.org');
    other = await signIn(server, 'admin@example.org');
    const media = (await (await upload(server, { name: 'avis.pdf', content: MINIMAL_PDF })).json()) as { id: string };
    const page = await sendPage(server, { name: 'lettre.html', content: '<!doctype html><title>Lettre</title><p>Bonjour</p>' });
    assert.equal(page.status, 201, await page.clone().text());
    const token = await server.server.vitrail.tokens.createToken('editor@example.org', 'kept');
    ids = {
      '/api/v1/media/': media.id,
      '/api/v1/pages/': ((await page.json()) as { id: string }).id,
      '/api/v1/users/': await userIdOf(server, 'editor@example.org'),
      '/api/v1/tokens/': token.id,
    };
  });
  after(async () => {
    await server.close();
  });

  /** Fills a route's parameters with ids of real rows, so that an unprotected route would change one. */
  function concreteUrl(route: string): string {
    return route.replace(/:[A-Za-z]+|\*/g, (parameter, offset: number) => {
      const prefix = route.slice(0, offset);
      return ids[prefix] ?? (parameter === '*' ? 'unknown-upload' : 'unknown');
    });
  }

  /** Returns a body that the route would accept, so that only the missing CSRF token can stop it. */
  function bodyFor(method: string, route: string): { body?: string | FormData; headers: Record<string, string> } {
    const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
    const file = (field: string, name: string, content: string) => {
      const form = new FormData();
      form.append(field, new Blob([content]), name);
      return { body: form, headers: {} };
    };
    switch (`${method} ${route}`) {
      case 'PATCH /api/v1/media/:id':
        return json({ name: 'forged.pdf', visibility: 'private' });
      case 'PATCH /api/v1/users/:id':
        return json({ role: 'admin' });
      case 'POST /api/v1/users':
        return json({ email: 'forged@example.org', password: 'a long enough password', role: 'admin' });
      case 'POST /api/v1/tokens':
        return json({ name: 'forged' });
      case 'PUT /api/v1/account/password':
        return json({ currentPassword: TEST_PASSWORD, newPassword: 'a forged new password' });
      case 'POST /api/v1/media':
      case 'PUT /api/v1/media/:id/content':
        return file('file', 'forged.pdf', MINIMAL_PDF);
      case 'POST /api/v1/pages':
      case 'PUT /api/v1/pages/:id':
        return file('file', 'forged.html', '<!doctype html><title>Forged</title><p>Forged</p>');
      case 'POST /api/v1/externalize':
        return file('file', 'mailing.html', '<!doctype html><p>Forged</p>');
      case 'POST /integrations/ckeditor4/upload':
      case 'POST /integrations/ckeditor5/upload':
        return file('upload', 'forged.pdf', MINIMAL_PDF);
      case 'POST /integrations/mosaico/upload':
        return file('files[]', 'forged.pdf', MINIMAL_PDF);
      case 'POST /api/v1/uploads':
        return { headers: { 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': `filename ${Buffer.from('forged.pdf').toString('base64')}` } };
      default:
        return { headers: {} };
    }
  }

  it('rejects forged requests on every route', async (t) => {
    const routes = listRoutes(server.server.app.printRoutes({ commonPrefix: false }));
    // The listing comes from Fastify's router: a few known routes prove it was read right.
    for (const known of ['PATCH /api/v1/media/:id', 'DELETE /api/v1/tokens/:id', 'POST /integrations/mosaico/upload', 'GET /m/:id']) {
      assert.ok(routes.includes(known), `${known} is missing from ${routes.join(', ')}`);
    }

    const before = await snapshot(server);
    const checked: string[] = [];
    for (const route of routes) {
      const [method = '', url = ''] = route.split(' ');
      if (!UNSAFE_METHODS.has(method) || CSRF_EXEMPT_ROUTES[route] !== undefined) continue;
      for (const csrf of [null, other.csrfToken]) {
        const { body, headers } = bodyFor(method, url);
        const response = await fetch(`${server.url}${concreteUrl(url)}`, {
          method,
          headers: { ...headers, cookie: admin.cookie, ...(csrf === null ? {} : { 'x-csrf-token': csrf }) },
          body,
        });
        const label = `${route} ${csrf === null ? 'without' : 'with a wrong'} CSRF token`;
        assert.equal(response.status, 403, `${label}: ${await response.clone().text()}`);
        assert.equal(await errorCode(response), 'VITRAIL_AUTH_CSRF_INVALID', label);
      }
      checked.push(route);
    }
    assert.deepEqual(await snapshot(server), before, 'a forged request changed the database or the stored files');
    assert.ok(checked.length >= 20, `only ${checked.length} state-changing routes found: ${checked.join(', ')}`);
    t.diagnostic(`${checked.length} state-changing routes refused forged requests: ${checked.join(', ')}`);
    // The session still works with its own token: the refusals were about CSRF alone.
    const allowed = await fetch(`${server.url}/api/v1/media/${ids['/api/v1/media/']}`, {
      method: 'PATCH',
      headers: { ...sessionHeaders(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ alt: 'Affiche' }),
    });
    assert.equal(allowed.status, 200);
  });
});

describe('user and token management', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('is forbidden to editors', async () => {
    const editorSession = await signIn(server, 'editor@example.org');
    const adminToken = await server.server.vitrail.tokens.createToken('admin@example.org', 'admin tool');
    const adminId = await userIdOf(server, 'admin@example.org');
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { email: 'x@example.org', password: 'a long enough password', role: 'admin' }],
      ['PATCH', `/api/v1/users/${adminId}`, { disabled: true }],
      ['PATCH', `/api/v1/users/${adminId}`, { password: 'taken over password' }],
      ['PATCH', `/api/v1/users/${await userIdOf(server, 'editor@example.org')}`, { role: 'admin' }],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens', { name: 'mine', userId: adminId }],
      ['DELETE', `/api/v1/tokens/${adminToken.id}`],
    ];
    const before = await snapshot(server);
    for (const credentials of [sessionHeaders(editorSession), bearer(server.editorToken)]) {
      for (const [method, url, body] of calls) {
        const response = await fetch(`${server.url}${url}`, {
          method,
          headers: { ...credentials, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const label = `${method} ${url} with ${credentials.cookie === undefined ? 'a token' : 'a session'}`;
        assert.equal(response.status, 403, label);
        assert.equal(await errorCode(response), 'VITRAIL_FORBIDDEN', label);
      }
    }
    assert.deepEqual(await snapshot(server), before, 'an editor changed users or tokens');
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: bearer(adminToken.token) })).status, 200);
  });
});

describe('private media', () => {
  let server: TestServer;
  let media: { id: string; url: string };
  let unknownId: string;

  before(async () => {
    server = await startTestServer();
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
    const response = await upload(server, { name: 'confidentiel.png', content: png, fields: { visibility: 'private' } });
    assert.equal(response.status, 201);
    media = (await response.json()) as { id: string; url: string };
    // The same shape of id, with no media behind it.
    unknownId = `${media.id.slice(0, -1)}${media.id.endsWith('A') ? 'B' : 'A'}`;
    await server.server.vitrail.db
      .insertInto('legacy_paths')
      .values({ prefix: '/sites/default/files', path: '2023-06/confidentiel.png', media_id: media.id, created_at: new Date().toISOString() })
      .execute();
  });
  after(async () => {
    await server.close();
  });

  /** Paths of every public way to a media's bytes, for a given id. */
  const servingPaths = (id: string, drupalPath: string) => [
    `/m/${id}/confidentiel.png`,
    `/m/${id}`,
    `/m/${id}/confidentiel.png?w=100`,
    `/m/${id}/confidentiel.png?w=80&h=80&fit=cover&format=webp`,
    `/integrations/mosaico/img?src=${encodeURIComponent(`${server.url}/m/${id}/confidentiel.png`)}&method=resize&params=100,null`,
    `/sites/default/files/${drupalPath}`,
    `/sites/default/files/styles/thumbnail/public/${drupalPath}`,
    `/system/files/${drupalPath}`,
  ];

  it('answers 404 to anonymous readers on every public path', async () => {
    const hidden = servingPaths(media.id, '2023-06/confidentiel.png');
    const unknown = servingPaths(unknownId, '2023-06/absent.png');
    for (const [index, urlPath] of hidden.entries()) {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(`${server.url}${urlPath}`, { method });
        assert.equal(response.status, 404, `${method} ${urlPath}`);
        const twin = await fetch(`${server.url}${unknown[index]}`, { method });
        assert.equal(twin.status, 404, `${method} ${unknown[index]}`);
        if (method === 'GET') {
          // The body reveals nothing more than for an unknown id: only the id itself differs.
          const text = (await response.text()).replaceAll(media.id, 'ID').replaceAll('confidentiel', 'NAME');
          const twinText = (await twin.text()).replaceAll(unknownId, 'ID').replaceAll('absent', 'NAME');
          assert.equal(text, twinText, `${urlPath} tells a private media from an unknown one`);
        }
      }
    }
  });

  it('answers the same to anonymous requests for editor paths', async () => {
    for (const suffix of ['', '/original', '/thumbnail', '/versions']) {
      const response = await fetch(`${server.url}/api/v1/media/${media.id}${suffix}`);
      const twin = await fetch(`${server.url}/api/v1/media/${unknownId}${suffix}`);
      assert.equal(response.status, 401, suffix);
      assert.equal(twin.status, response.status, suffix);
    }
  });

  it('leaves private media out of editor galleries', async () => {
    const response = await fetch(`${server.url}/integrations/mosaico/upload`, { headers: bearer(server.editorToken) });
    assert.equal(response.status, 200);
    assert.doesNotMatch(await response.text(), new RegExp(media.id));
  });

  it('serves private media to editors and admins', async () => {
    // First version of rights: every editor and admin reads every media, so no signed-in user lacks the right.
    for (const token of [server.editorToken, server.adminToken]) {
      assert.equal((await fetch(media.url, { headers: bearer(token) })).status, 200);
    }
  });
});

describe('credentials across worker processes', () => {
  let dataDir: string;
  let workers: WorkerServer;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-auth-workers-'));
    workers = await spawnWorkers(dataDir, 2);
  });
  after(async () => {
    await workers.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stops a revoked token in every worker', async () => {
    const created = await runCli(['token', 'create', '--user', 'editor@example.org', '--name', 'revoked soon'], { VITRAIL_DATA_DIR: dataDir });
    assert.equal(created.code, 0, created.stderr);
    const token = /vtr_[A-Za-z0-9_-]+/.exec(created.stdout)?.[0] ?? '';
    const id = await tokenIdByName(dataDir, 'revoked soon');
    assert.deepEqual(await workers.statusesOnNewConnections('/api/v1/media', bearer(token)), Array(8).fill(200));

    const revoked = await runCli(['token', 'revoke', id], { VITRAIL_DATA_DIR: dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(await workers.statusesOnNewConnections('/api/v1/media', bearer(token)), Array(8).fill(401));
  });

  it('stops a disabled user in every worker', async () => {
    const signedIn = await signInRequest(workers.url, 'editor@example.org', TEST_PASSWORD);
    assert.equal(signedIn.status, 201);
    const cookie = cookieOf(signedIn);
    assert.deepEqual(await workers.statusesOnNewConnections('/api/v1/media', bearer(workers.token)), Array(8).fill(200));
    assert.deepEqual(await workers.statusesOnNewConnections('/api/v1/media', { cookie }), Array(8).fill(200));

    const disabled = await runCli(['user', 'disable', 'editor@example.org'], { VITRAIL_DATA_DIR: dataDir });
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.deepEqual(await workers.statusesOnNewConnections('/api/v1/media', bearer(workers.token)), Array(8).fill(401));
    assert.deepEqual(await workers.statusesOnNewConnections('/api/v1/media', { cookie }), Array(8).fill(401));
  });
});

async function tokenIdByName(dataDir: string, name: string): Promise<string> {
  const db = new SqliteDatabase(path.join(dataDir, DATABASE_FILE_NAME), { readonly: true });
  try {
    return (db.prepare('select id from api_tokens where name = ?').pluck().get(name) as string | undefined) ?? '';
  } finally {
    db.close();
  }
}

async function userIdOf(server: TestServer, email: string): Promise<string> {
  return (await server.server.vitrail.users.requireUser(email)).id;
}

/**
 * Lists `METHOD /path` for every route in Fastify's `printRoutes({ commonPrefix: false })` tree. Each
 * line is a path segment under its parent, four characters deeper, with its methods in brackets.
 */
function listRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│├└─\s]*)(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null || (match[2] ?? '') === '') continue;
    const depth = Math.floor((match[1] ?? '').length / 4);
    stack.length = depth;
    // A wildcard follows a slash that the tree prints on neither side: /m/:id/* shows as `m/:id` then `*`.
    const segment = match[2] ?? '';
    stack.push(segment === '*' && !(stack.at(-1) ?? '').endsWith('/') ? '/*' : segment);
    const url = stack.join('');
    for (const method of (match[3] ?? '').split(',').map((value) => value.trim()).filter(Boolean)) routes.push(`${method} ${url}`);
  }
  return routes;
}

/**
 * Returns the content of every table and the names of every stored file. Columns that record a last use
 * change on reads and are left out.
 */
async function snapshot(server: TestServer): Promise<string> {
  const db = new SqliteDatabase(path.join(server.dataDir, DATABASE_FILE_NAME), { readonly: true });
  const tables: Record<string, unknown[]> = {};
  try {
    const names = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
    for (const name of names) {
      const rows = db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[];
      tables[name] = rows
        .map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !['last_used_at', 'last_seen_at', 'expires_at'].includes(column))))
        .map((row) => JSON.stringify(row))
        .sort();
    }
  } finally {
    db.close();
  }
  const files = (await readdir(server.dataDir, { recursive: true })).filter((name) => !name.startsWith(DATABASE_FILE_NAME)).sort();
  return JSON.stringify({ tables, files });
}

/** Signs in over https, trusting only the given certificate, and returns the Set-Cookie header. */
function signInOverHttps(base: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.request(`${base}/api/v1/session`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode !== 201) reject(new Error(`sign-in over https returned ${response.statusCode}`));
        else resolve(String(response.headers['set-cookie']?.[0] ?? ''));
      });
    });
    request.on('error', reject);
    request.end(JSON.stringify({ email: 'editor@example.org', password: TEST_PASSWORD }));
  });
}
