import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

/**
 * Node's own ceiling: a bare node:http server sending each file of a directory from a Buffer read at start,
 * with headers built once, under /f/<name>. Usage: node memory-server.js <directory> <port>
 */
const [directory, port] = process.argv.slice(2);
if (directory === undefined || port === undefined) throw new Error('usage: memory-server.js <directory> <port>');

const files = new Map<string, { body: Buffer; headers: Record<string, string> }>();
for (const name of await readdir(directory)) {
  const body = await readFile(path.join(directory, name));
  files.set(`/f/${name}`, {
    body,
    headers: { 'content-type': 'application/pdf', 'content-length': String(body.length), etag: `"${body.length}"` },
  });
}

const server = http.createServer((request, response) => {
  const file = request.url === undefined ? undefined : files.get(request.url);
  if (file === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, file.headers);
  response.end(request.method === 'HEAD' ? undefined : file.body);
});
server.listen(Number(port), '127.0.0.1');
