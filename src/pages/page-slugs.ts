import { randomInt } from 'node:crypto';

/** Lower-case letters and digits: the random part stays readable and safe in any URL. */
const RANDOM_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 14 characters of 36 give 72 bits, so published pages cannot be enumerated. */
const RANDOM_LENGTH = 14;
const MAX_WORDS_LENGTH = 60;

/** Builds `lettre-de-noel-2024-k3j9x2m0qp1z7a`: the title's words without accents, then a random part. */
export function createPageSlug(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_WORDS_LENGTH)
    .replace(/-+$/, '');
  let random = '';
  for (let index = 0; index < RANDOM_LENGTH; index += 1) random += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return words === '' ? random : `${words}-${random}`;
}

/** Checks the shape createPageSlug makes, so that other paths get a 404 without a database read. */
export function isWellFormedSlug(slug: string): boolean {
  return /^[a-z0-9-]{14,80}$/.test(slug);
}
