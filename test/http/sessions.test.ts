import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { sessionHeaders, signIn } from '../support/sessions.js';
import { bearer, startTestServer, TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF } from '../support/uploads.js';

async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { error: { code: string } };
  return body.error.code;
}

function pdfForm(name: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([MINIMAL_PDF]), name);
  return form;
}

describe('sessions', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('sets an HttpOnly SameSite=Lax cookie without Secure over http', async () => {
    const session = await signIn(server, 'editor@example.org');
    assert.match(session.setCookie, /^vitrail_session=[A-Za-z0-9_-]{43};/);
    assert.match(session.setCookie, /HttpOnly/i);
    assert.match(session.setCookie, /SameSite=Lax/i);
    assert.match(session.setCookie, /Path=\//);
    assert.doesNotMatch(session.setCookie, /Secure/i);
  });

  it('returns the current user and the CSRF token', async () => {
    const session = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/session`, { headers: { cookie: session.cookie } });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { user: { email: string; role: string }; csrfToken: string };
    assert.equal(body.user.email, 'editor@example.org');
    assert.equal(body.user.role, 'editor');
    assert.equal(body.csrfToken, session.csrfToken);
  });

  it('answers 401 without a session', async () => {
    const response = await fetch(`${server.url}/api/v1/session`);
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'VITRAIL_AUTH_REQUIRED');
  });

  it('gives a new session at each sign-in', async () => {
    const first = await signIn(server, 'editor@example.org');
    const second = await signIn(server, 'editor@example.org');
    assert.notEqual(first.cookie, second.cookie);
    assert.notEqual(first.csrfToken, second.csrfToken);
  });

  it('stores sessions in the database, never the cookie itself', async () => {
    const session = await signIn(server, 'editor@example.org');
    const value = session.cookie.split('=')[1] ?? '';
    const rows = await server.server.vitrail.db.selectFrom('sessions').select('token_hash').execute();
    assert.ok(rows.length > 0);
    assert.ok(rows.every((row) => row.token_hash !== value));
  });

  it('rejects a wrong password with 401', async () => {
    const response = await fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'editor@example.org', password: 'not the password' }),
    });
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'VITRAIL_AUTH_LOGIN_FAILED');
    assert.equal(response.headers.get('set-cookie'), null);
  });

  it('uploads with the cookie and the CSRF header', async () => {
    const session = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: sessionHeaders(session), body: pdfForm('a.pdf') });
    assert.equal(response.status, 201);
  });

  it('rejects a state change with the cookie but no CSRF header', async () => {
    const session = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: sessionHeaders(session, false), body: pdfForm('b.pdf') });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'VITRAIL_AUTH_CSRF_INVALID');
  });

  it('rejects a CSRF token of another session', async () => {
    const session = await signIn(server, 'editor@example.org');
    const other = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/media`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': other.csrfToken },
      body: pdfForm('c.pdf'),
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'VITRAIL_AUTH_CSRF_INVALID');
  });

  it('reads with the cookie alone', async () => {
    const session = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/media`, { headers: sessionHeaders(session, false) });
    assert.equal(response.status, 200);
  });

  it('needs no CSRF header with a bearer token', async () => {
    const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers: bearer(server.editorToken), body: pdfForm('d.pdf') });
    assert.equal(response.status, 201);
  });

  it('signs out and the cookie stops working', async () => {
    const session = await signIn(server, 'editor@example.org');
    const withoutCsrf = await fetch(`${server.url}/api/v1/session`, { method: 'DELETE', headers: sessionHeaders(session, false) });
    assert.equal(withoutCsrf.status, 403);
    const response = await fetch(`${server.url}/api/v1/session`, { method: 'DELETE', headers: sessionHeaders(session) });
    assert.equal(response.status, 204);
    assert.match(response.headers.get('set-cookie') ?? '', /^vitrail_session=;/);
    const after = await fetch(`${server.url}/api/v1/media`, { headers: { cookie: session.cookie } });
    assert.equal(after.status, 401);
  });

  it('ends the sessions of a disabled user', async () => {
    await server.createUserToken('leaving@example.org', 'editor');
    const session = await signIn(server, 'leaving@example.org');
    await server.server.vitrail.users.setDisabled('leaving@example.org', true);
    const response = await fetch(`${server.url}/api/v1/media`, { headers: { cookie: session.cookie } });
    assert.equal(response.status, 401);
  });

  it('changes one own password and ends the other sessions', async () => {
    await server.createUserToken('changing@example.org', 'editor');
    const current = await signIn(server, 'changing@example.org');
    const other = await signIn(server, 'changing@example.org');

    const wrong = await fetch(`${server.url}/api/v1/account/password`, {
      method: 'PUT',
      headers: { ...sessionHeaders(current), 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: 'not it at all', newPassword: 'a brand new password' }),
    });
    assert.equal(wrong.status, 403);
    assert.equal(await errorCode(wrong), 'VITRAIL_AUTH_PASSWORD_WRONG');

    const response = await fetch(`${server.url}/api/v1/account/password`, {
      method: 'PUT',
      headers: { ...sessionHeaders(current), 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' }),
    });
    assert.equal(response.status, 204);
    assert.equal((await fetch(`${server.url}/api/v1/session`, { headers: { cookie: current.cookie } })).status, 200);
    assert.equal((await fetch(`${server.url}/api/v1/session`, { headers: { cookie: other.cookie } })).status, 401);
    await signIn(server, 'changing@example.org', 'a brand new password');
  });

  it('rejects a too short new password', async () => {
    const session = await signIn(server, 'editor@example.org');
    const response = await fetch(`${server.url}/api/v1/account/password`, {
      method: 'PUT',
      headers: { ...sessionHeaders(session), 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: 'short' }),
    });
    assert.equal(response.status, 400);
    assert.equal(await errorCode(response), 'VITRAIL_VALIDATION_FAILED');
  });
});

describe('sessions behind https', () => {
  it('marks the cookie Secure when the public URL is https', async () => {
    const server = await startTestServer({ VITRAIL_PUBLIC_URL: 'https://media.example.org' });
    try {
      const session = await signIn(server, 'editor@example.org');
      assert.match(session.setCookie, /; Secure/i);
    } finally {
      await server.close();
    }
  });
});

describe('sign-in limits', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const attempt = (email: string, password: string) =>
    fetch(`${server.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });

  it('blocks an account after five failures, even with the right password', async () => {
    await server.createUserToken('target@example.org', 'editor');
    for (let failure = 0; failure < 5; failure += 1) {
      assert.equal((await attempt('target@example.org', 'wrong password')).status, 401);
    }
    const blocked = await attempt('target@example.org', TEST_PASSWORD);
    assert.equal(blocked.status, 429);
    const body = (await blocked.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'VITRAIL_AUTH_TOO_MANY_ATTEMPTS');
    assert.match(body.error.message, /wait 15 minutes/);
    assert.equal(blocked.headers.get('retry-after'), '900');
    // Another account from the same address still signs in.
    assert.equal((await attempt('editor@example.org', TEST_PASSWORD)).status, 201);
  });

  it('blocks an address after twenty failures over many accounts', async () => {
    const count = await server.server.vitrail.db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('subject', '=', 'address:127.0.0.1')
      .executeTakeFirstOrThrow();
    for (let failure = Number(count.count); failure < 20; failure += 1) {
      assert.equal((await attempt(`nobody${failure}@example.org`, 'wrong password')).status, 401);
    }
    const blocked = await attempt('admin@example.org', TEST_PASSWORD);
    assert.equal(blocked.status, 429);
  });
});
