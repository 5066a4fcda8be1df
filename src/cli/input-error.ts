/**
 * A problem with what the operator typed or piped in, such as a password too short. The CLI prints its
 * message alone, as a sentence, and exits with status 1.
 */
export class InputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** Turns a phrase such as a validation reason ("the role must be …") into a sentence for the terminal. */
export function toSentence(phrase: string): string {
  return `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`;
}
