import { createRequire } from 'node:module';

import type * as MimeTypes from 'mime-types';

let mimeTypes: typeof MimeTypes | undefined;

/**
 * Loads mime-types on first use. Its mime-db table adds about 3 MiB of resident memory (process RSS
 * before and after the require, Node 20 on Linux), which a server that has served no file since it
 * started does without. A plain require keeps the lookups synchronous, as the serving path needs them.
 */
function loadMimeTypes(): typeof MimeTypes {
  mimeTypes ??= createRequire(import.meta.url)('mime-types') as typeof MimeTypes;
  return mimeTypes;
}

/** Returns the media type that mime-db maps a file name's extension to, or false for none. */
export function typeOfFileName(name: string): string | false {
  return loadMimeTypes().lookup(name);
}

/** Returns the usual extension of a media type in mime-db, without the dot, or false for none. */
export function extensionOfType(mime: string): string | false {
  return loadMimeTypes().extension(mime);
}
