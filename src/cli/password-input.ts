import { findPasswordProblem } from '../auth/passwords.js';
import { VitrailError } from '../errors/catalogue.js';
import { PasswordPrompt } from './password-prompt.js';

export interface PasswordInputOptions {
  readonly passwordStdin?: boolean;
}

/**
 * Reads a new password: from standard input when `--password-stdin` is given (one trailing newline is
 * dropped), otherwise from a prompt typed twice that shows `*` for each character.
 */
export async function readNewPassword(options: PasswordInputOptions): Promise<string> {
  if (options.passwordStdin === true) return readPasswordFromStdin();
  if (!process.stdin.isTTY) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', {
      reason: 'no terminal to prompt for the password: pipe it in and add --password-stdin',
    });
  }
  const prompt = new PasswordPrompt();
  try {
    const password = await prompt.ask('Password: ');
    // Checked before the second prompt, so that a password too short is not typed twice for nothing.
    const problem = findPasswordProblem(password);
    if (problem !== null) throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: problem });
    const again = await prompt.ask('Password again: ');
    if (password !== again) throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: 'the two passwords differ' });
    return password;
  } finally {
    prompt.close();
  }
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
