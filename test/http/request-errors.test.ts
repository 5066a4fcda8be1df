import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { bearer, startTestServer, type TestServer } from '../support/test-server.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';

interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string };
}

async function errorOf(response: Response): Promise<ErrorJson['error']> {
  return ((await response.json()) as ErrorJson).error;
}

describe('request errors', () => {
  let server: TestServer;
  let mediaId: string;

  before(async () => {
    server = await startTestServer();
    const response = await upload(server, { name: 'bulletin.pdf', content: MINIMAL_PDF, type: 'application/pdf' });
    mediaId = ((await response.json()) as { id: string }).id;
  });
  after(async () => {
    await server.close();
  });

  const patch = (body: string, contentType = 'application/json') =>
    fetch(`${server.url}/api/v1/media/${mediaId}`, {
      method: 'PATCH',
      headers: { ...bearer(server.editorToken), 'content-type': contentType },
      body,
    });

  const currentName = async (): Promise<string> => {
    const response = await fetch(`${server.url}/api/v1/media/${mediaId}`, { headers: bearer(server.editorToken) });
    return ((await response.json()) as { name: string }).name;
  };

  describe('validation messages', () => {
    it('names an unknown query parameter and the known ones', async () => {
      const response = await fetch(`${server.url}/api/v1/media?colour=red`, { headers: bearer(server.editorToken) });
      assert.equal(response.status, 400);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_VALIDATION_FAILED');
      assert.match(error.message, /unknown parameter "colour"/);
      assert.match(error.message, /limit, cursor/);
    });

    it('names an unknown body field and the known ones', async () => {
      const error = await errorOf(await patch('{"title":"x"}'));
      assert.match(error.message, /the JSON body has an unknown field "title": use name, alt, visibility, publishOriginal or folder/);
    });

    it('lists the allowed values and the value sent', async () => {
      const error = await errorOf(await patch('{"visibility":"hidden"}'));
      assert.match(error.message, /"visibility" must be one of public or private, not "hidden"/);
    });

    it('asks for at least one field', async () => {
      const error = await errorOf(await patch('{}'));
      assert.match(error.message, /must set at least one field: name, alt/);
    });

    it('says a name must not be empty', async () => {
      const error = await errorOf(await patch('{"name":""}'));
      assert.match(error.message, /"name" must not be empty/);
    });

    it('explains a query value of the wrong type', async () => {
      const response = await fetch(`${server.url}/api/v1/media?limit=many`, { headers: bearer(server.editorToken) });
      assert.equal(response.status, 400);
      assert.match((await errorOf(response)).message, /"limit" must be a whole number, not "many"/);
    });

    it('still reads numbers from the query string', async () => {
      const response = await fetch(`${server.url}/api/v1/media?limit=1`, { headers: bearer(server.editorToken) });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { items: unknown[] }).items.length, 1);
    });
  });

  describe('JSON bodies', () => {
    it('rejects a number as a name and keeps the name', async () => {
      const before = await currentName();
      const response = await patch('{"name":42}');
      assert.equal(response.status, 400);
      assert.match((await errorOf(response)).message, /"name" must be a string, not 42/);
      assert.equal(await currentName(), before);
    });

    it('rejects a JSON body sent as text with 415', async () => {
      const response = await patch('{"alt":"x"}', 'text/plain');
      assert.equal(response.status, 415);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_REQUEST_CONTENT_TYPE');
      assert.match(error.message, /must be application\/json, not "text\/plain"/);
    });

    it('gives the real limit of a JSON body', async () => {
      const response = await patch(JSON.stringify({ alt: 'x'.repeat(1_100_000) }));
      assert.equal(response.status, 413);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_REQUEST_TOO_LARGE');
      assert.match(error.message, /1 MiB/);
    });

    it('names the type sent to an upload route', async () => {
      const response = await fetch(`${server.url}/api/v1/media/${mediaId}/content`, {
        method: 'PUT',
        headers: { ...bearer(server.editorToken), 'content-type': 'application/octet-stream' },
        body: MINIMAL_PDF,
      });
      assert.equal(response.status, 415);
      assert.match((await errorOf(response)).message, /must be multipart\/form-data, not "application\/octet-stream"/);
    });
  });

  describe('Authorization header', () => {
    it('challenges a request without credentials', async () => {
      const response = await fetch(`${server.url}/api/v1/media`);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="Vitrail"');
    });

    it('names another scheme than Bearer', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, { headers: { authorization: 'Basic YWRtaW46cHc=' } });
      assert.equal(response.status, 401);
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_AUTH_SCHEME');
      assert.match(error.message, /uses the "Basic" scheme/);
      assert.doesNotMatch(error.message, /YWRtaW46cHc/);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    });

    it('spots a token sent without its scheme', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, { headers: { authorization: server.editorToken } });
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_AUTH_SCHEME');
      assert.match(error.message, /has no scheme before the token/);
      assert.equal(error.message.includes(server.editorToken), false);
    });

    it('marks an unknown token as invalid', async () => {
      const response = await fetch(`${server.url}/api/v1/media`, { headers: { authorization: 'Bearer nope' } });
      assert.equal((await errorOf(response)).code, 'VITRAIL_AUTH_INVALID_TOKEN');
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });
  });

  describe('resumable uploads', () => {
    const create = async (length: number): Promise<string> => {
      const response = await fetch(`${server.url}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          ...bearer(server.editorToken),
          'tus-resumable': '1.0.0',
          'upload-length': String(length),
          'upload-metadata': `filename ${Buffer.from('tract.pdf').toString('base64')}`,
        },
      });
      assert.equal(response.status, 201);
      return new URL(response.headers.get('location') ?? '', server.url).toString();
    };

    it('answers a creation with a reason phrase and no body type', async () => {
      const response = await fetch(`${server.url}/api/v1/uploads`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'tus-resumable': '1.0.0', 'upload-length': '10' },
      });
      assert.equal(response.status, 201);
      assert.equal(response.statusText, 'Created');
      assert.equal(response.headers.get('content-type'), null);
    });

    it('describes the server to OPTIONS without a token', async () => {
      const response = await fetch(`${server.url}/api/v1/uploads`, { method: 'OPTIONS', headers: { 'tus-resumable': '1.0.0' } });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('tus-version'), '1.0.0');
      assert.ok(Number(response.headers.get('tus-max-size')) > 0);
    });

    it('shows the format of Upload-Metadata', async () => {
      const response = await fetch(`${server.url}/api/v1/uploads`, {
        method: 'POST',
        headers: { ...bearer(server.editorToken), 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': 'filename tract.pdf' },
      });
      assert.equal(response.status, 400);
      assert.match((await errorOf(response)).message, /pairs of a key and its base64 value/);
    });

    it('reports data past the declared length', async () => {
      const location = await create(10);
      const response = await fetch(location, {
        method: 'PATCH',
        headers: { ...bearer(server.editorToken), 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        body: MINIMAL_PDF,
      });
      assert.equal(response.status, 413);
      assert.equal((await errorOf(response)).code, 'VITRAIL_UPLOAD_LENGTH_EXCEEDED');
    });

    it('names the content type a PATCH needs, even for JSON', async () => {
      const location = await create(MINIMAL_PDF.length);
      const response = await fetch(location, {
        method: 'PATCH',
        headers: { ...bearer(server.editorToken), 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/json' },
        body: MINIMAL_PDF,
      });
      const error = await errorOf(response);
      assert.equal(error.code, 'VITRAIL_UPLOAD_REQUEST_INVALID');
      assert.match(error.message, /application\/offset\+octet-stream/);
    });
  });
});
