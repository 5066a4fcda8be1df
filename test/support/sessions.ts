import assert from 'node:assert/strict';

import { TEST_PASSWORD, type TestServer } from './test-server.js';

export interface SignedIn {
  /** The Cookie header to send back. */
  readonly cookie: string;
  readonly csrfToken: string;
  /** The Set-Cookie header of the sign-in response, for checks of its attributes. */
  readonly setCookie: string;
}

/** Signs in through POST /api/v1/session and returns what a browser would keep. */
export async function signIn(server: TestServer, email: string, password = TEST_PASSWORD): Promise<SignedIn> {
  const response = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(response.status, 201, `sign-in of ${email} failed: ${await response.clone().text()}`);
  const body = (await response.json()) as { csrfToken: string };
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  return { cookie, csrfToken: body.csrfToken, setCookie };
}

/** Headers of a request made with a session, as the web interface sends them. */
export function sessionHeaders(session: SignedIn, withCsrf = true): Record<string, string> {
  return withCsrf ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken } : { cookie: session.cookie };
}
