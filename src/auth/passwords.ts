import argon2 from 'argon2';

/** Shortest accepted password, in characters. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest accepted password, in characters: argon2 accepts more, but hashing huge inputs costs CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Hashes a password with argon2id and its library defaults (64 MiB, 3 passes, parallelism 4). */
export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password);
}

/** Password hashing behind an interface, so tests can count the work that sign-in does. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export const argon2PasswordHasher: PasswordHasher = { hash: hashPassword, verify: verifyPassword };

/** Returns why a new password is unacceptable, or null when it is fine. */
export function findPasswordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `the password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}
