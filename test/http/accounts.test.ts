import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sessionHeaders, signIn, type SignedIn } from '../support/sessions.js';
import { bearer, startTestServer, type TestServer } from '../support/test-server.js';

interface UserJson {
  id: string;
  email: string;
  role: string;
  disabledAt: string | null;
}

describe('users and tokens administration', () => {
  let server: TestServer;
  let admin: SignedIn;

  before(async () => {
    server = await startTestServer();
    admin = await signIn(server, 'admin@example.org');
  });
  after(async () => {
    await server.close();
  });

  const call = (session: SignedIn, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { ...sessionHeaders(session), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('lists users without password hashes', async () => {
    const response = await call(admin, 'GET', '/api/v1/users');
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.doesNotMatch(text, /argon2|password/);
    const body = JSON.parse(text) as { items: UserJson[] };
    assert.deepEqual(body.items.map((user) => user.email).sort(), ['admin@example.org', 'editor@example.org']);
  });

  it('adds a user who then signs in', async () => {
    const response = await call(admin, 'POST', '/api/v1/users', { email: 'Nouvelle@Example.org', password: 'a long enough password', role: 'editor' });
    assert.equal(response.status, 201);
    const user = (await response.json()) as UserJson;
    assert.equal(user.email, 'nouvelle@example.org');
    assert.equal(user.role, 'editor');
    await signIn(server, 'nouvelle@example.org', 'a long enough password');
  });

  it('rejects a second user with the same e-mail', async () => {
    const response = await call(admin, 'POST', '/api/v1/users', { email: 'editor@example.org', password: 'a long enough password', role: 'editor' });
    assert.equal(response.status, 409);
  });

  it('changes role, disables, enables and resets a password', async () => {
    const created = (await (await call(admin, 'POST', '/api/v1/users', { email: 'marie@example.org', password: 'first password here', role: 'editor' })).json()) as UserJson;
    const marie = await signIn(server, 'marie@example.org', 'first password here');

    const promoted = (await (await call(admin, 'PATCH', `/api/v1/users/${created.id}`, { role: 'admin' })).json()) as UserJson;
    assert.equal(promoted.role, 'admin');

    const disabled = (await (await call(admin, 'PATCH', `/api/v1/users/${created.id}`, { disabled: true })).json()) as UserJson;
    assert.notEqual(disabled.disabledAt, null);
    assert.equal((await fetch(`${server.url}/api/v1/session`, { headers: { cookie: marie.cookie } })).status, 401);

    const enabled = (await (await call(admin, 'PATCH', `/api/v1/users/${created.id}`, { disabled: false })).json()) as UserJson;
    assert.equal(enabled.disabledAt, null);

    const reset = await call(admin, 'PATCH', `/api/v1/users/${created.id}`, { password: 'second password here' });
    assert.equal(reset.status, 200);
    await signIn(server, 'marie@example.org', 'second password here');
  });

  it('refuses that an admin disables or demotes themselves', async () => {
    const me = (await (await call(admin, 'GET', '/api/v1/session')).json()) as { user: { id: string } };
    const disable = await call(admin, 'PATCH', `/api/v1/users/${me.user.id}`, { disabled: true });
    assert.equal(disable.status, 409);
    const demote = await call(admin, 'PATCH', `/api/v1/users/${me.user.id}`, { role: 'editor' });
    assert.equal(demote.status, 409);
  });

  it('answers 404 for an unknown user id', async () => {
    const response = await call(admin, 'PATCH', '/api/v1/users/usr_unknown', { role: 'editor' });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'VITRAIL_USER_ID_NOT_FOUND');
  });

  it('creates a token shown once, lists and revokes it', async () => {
    const response = await call(admin, 'POST', '/api/v1/tokens', { name: 'CiviCRM' });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { id: string; token: string };
    assert.match(created.token, /^vtr_/);
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: bearer(created.token) })).status, 200);

    const listing = await (await call(admin, 'GET', '/api/v1/tokens')).text();
    assert.ok(listing.includes('CiviCRM'));
    assert.ok(!listing.includes(created.token));

    assert.equal((await call(admin, 'DELETE', `/api/v1/tokens/${created.id}`)).status, 204);
    assert.equal((await fetch(`${server.url}/api/v1/media`, { headers: bearer(created.token) })).status, 401);
  });

  it('forbids every administration call to an editor', async () => {
    const editor = await signIn(server, 'editor@example.org');
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { email: 'x@example.org', password: 'a long enough password', role: 'admin' }],
      ['PATCH', '/api/v1/users/usr_any', { role: 'admin' }],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens', { name: 'mine' }],
      ['DELETE', '/api/v1/tokens/any'],
    ];
    for (const [method, path, body] of calls) {
      const response = await call(editor, method, path, body);
      assert.equal(response.status, 403, `${method} ${path}`);
    }
  });
});

describe('API documentation of the web interface routes', () => {
  it('lists sessions, administration, folders and uploads', async () => {
    const server = await startTestServer();
    try {
      const document = (await (await fetch(`${server.url}/api/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      assert.ok(document.paths['/api/v1/session']?.post);
      assert.ok(document.paths['/api/v1/account/password']?.put);
      assert.ok(document.paths['/api/v1/users/{id}']?.patch);
      assert.ok(document.paths['/api/v1/tokens']?.post);
      assert.ok(document.paths['/api/v1/folders']?.get);
      assert.ok(document.paths['/api/v1/uploads']?.post);
    } finally {
      await server.close();
    }
  });
});
