import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

/**
 * Node's own ceiling: a bare node:http server sending each file of a directory from a Buffer read at start,
 * with headers built once, under /f/<name>. With `media-headers`, it sends the header fields a Vitrail
 * public response has (a fresh request id, ETag, Last-Modified, Cache-Control, Content-Disposition,
 * Accept-Ranges, X-Content-Type-Options), so that the ratio to it leaves out the cost of the header set.
 * Usage: node memory-server.js <directory> <port> [media-headers]
 */
const [directory, port, mode] = process.argv.slice(2);
if (directory === undefined || port === undefined) throw new Error('usage: memory-server.js <directory> <port> [media-headers]');
const mediaHeaders = mode === 'media-headers';
const startedAt = new Date().toUTCString();

/** Header fields as name, value pairs; with media headers, the first value is the request id's slot. */
const files = new Map<string, { body: Buffer; fields: string[] }>();
for (const name of await readdir(directory)) {
  const body = await readFile(path.join(directory, name));
  const fields = mediaHeaders
    ? [
        'x-request-id', '',
        'content-type', 'application/pdf',
        'x-content-type-options', 'nosniff',
        'accept-ranges', 'bytes',
        'cache-control', 'public, max-age=300',
        'content-disposition', `inline; filename="${name}"`,
        'etag', `"${createHash('sha256').update(body).digest('hex')}"`,
        'last-modified', startedAt,
        'content-length', String(body.length),
      ]
    : ['content-type', 'application/pdf', 'content-length', String(body.length), 'etag', `"${body.length}"`];
  files.set(`/f/${name}`, { body, fields });
}

const server = http.createServer((request, response) => {
  const file = request.url === undefined ? undefined : files.get(request.url);
  if (file === undefined) {
    response.writeHead(404).end();
    return;
  }
  if (mediaHeaders) file.fields[1] = randomUUID();
  response.writeHead(200, file.fields);
  response.end(request.method === 'HEAD' ? undefined : file.body);
});
server.listen(Number(port), '127.0.0.1');
