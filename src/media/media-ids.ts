import { randomBytes } from 'node:crypto';

/** Bits of randomness in a media id: well above the 72 needed so public ids cannot be enumerated. */
const MEDIA_ID_BYTES = 15;

/** Creates a random media id of 20 URL-safe characters (120 bits). */
export function createMediaId(): string {
  return randomBytes(MEDIA_ID_BYTES).toString('base64url');
}

export function isMediaId(value: string): boolean {
  return /^[A-Za-z0-9_-]{20}$/.test(value);
}
