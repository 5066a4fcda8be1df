import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules');

/** URL prefixes of the site, by the installed package folder they serve. */
const PACKAGE_ROOTS: Readonly<Record<string, string>> = {
  '/ckeditor4/': path.join(NODE_MODULES, 'ckeditor4'),
  '/ckeditor5/': path.join(NODE_MODULES, 'ckeditor5/dist/browser'),
  '/jquery/': path.join(NODE_MODULES, 'jquery/dist'),
  '/blueimp/': path.join(NODE_MODULES, 'blueimp-file-upload/js'),
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface EditorSite {
  /** Origin of the site, such as http://127.0.0.1:41235: another origin than Vitrail's. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Starts a second web server on 127.0.0.1, standing for the CiviCRM site: it serves the editors from the
 * installed npm packages and the test pages given, so the editors call Vitrail across origins as they do
 * in production.
 */
export async function startEditorSite(pages: Readonly<Record<string, string>>): Promise<EditorSite> {
  const server = http.createServer((request, response) => {
    // Browsers ask for it on their own; a 404 would show up as a console error in every test.
    if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    void serve(request.url ?? '/', pages).then(
      (found) => {
        if (found === null) {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-store' }).end(found.body);
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(url: string, pages: Readonly<Record<string, string>>): Promise<{ type: string; body: Buffer | string } | null> {
  const pathname = decodeURIComponent(url.split('?')[0] ?? '/');
  const page = pages[pathname];
  if (page !== undefined) return { type: CONTENT_TYPES['.html'] ?? 'text/html', body: page };
  for (const [prefix, root] of Object.entries(PACKAGE_ROOTS)) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.resolve(root, `.${pathname.slice(prefix.length - 1)}`);
    if (!file.startsWith(`${root}${path.sep}`)) return null;
    try {
      return { type: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
    } catch {
      return null;
    }
  }
  return null;
}
