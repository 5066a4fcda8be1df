import { findPasswordProblem } from '../auth/passwords.js';
import { InputError, toSentence } from './input-error.js';
import { PasswordPrompt } from './password-prompt.js';

export interface PasswordInputOptions {
  readonly passwordStdin?: boolean;
}

/**
 * Reads a new password: from standard input when `--password-stdin` is given (one trailing newline is
 * dropped), otherwise from a prompt typed twice that shows `*` for each character.
 */
export async function readNewPassword(options: PasswordInputOptions): Promise<string> {
  if (options.passwordStdin === true) {
    const password = await readPasswordFromStdin();
    requireAcceptable(password);
    return password;
  }
  if (!process.stdin.isTTY) {
    throw new InputError('There is no terminal to type the password in: pipe the password in and add --password-stdin.');
  }
  const prompt = new PasswordPrompt();
  try {
    const password = await prompt.ask('Password: ');
    // Checked before the second prompt, so that a password too short is not typed twice for nothing.
    requireAcceptable(password);
    const again = await prompt.ask('Password again: ');
    if (password !== again) throw new InputError('The two passwords differ: type the same password twice.');
    return password;
  } finally {
    prompt.close();
  }
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') {
    throw new InputError(`No password was read: standard input was empty. Pipe the password in on one line, as printf '%s\\n' "$PASSWORD" does.`);
  }
  // A browser's password field strips line breaks, so a second line is a mistake, such as the password piped twice.
  if (/[\r\n]/.test(password)) {
    throw new InputError('Standard input has several lines, but a password is one line: pipe the password alone.');
  }
  return password;
}

function requireAcceptable(password: string): void {
  const problem = findPasswordProblem(password);
  if (problem !== null) throw new InputError(toSentence(problem));
}
