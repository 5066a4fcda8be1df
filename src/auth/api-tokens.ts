import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every API token, so a leaked token is easy to recognise in a code search or a secret scanner. */
export const TOKEN_PREFIX = 'vtr_';

/** Creates a new API token: the prefix and 256 random bits. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * Hashes a token for storage and lookup. A fast hash suits here, unlike for passwords, because the token
 * is 256 random bits: nothing can be guessed. Lookup by hash also means no comparison of secrets in code.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createTokenId(): string {
  return randomBytes(6).toString('hex');
}
