import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import pino from 'pino';

import { loadSettings } from '../../src/config/settings.js';
import { openVitrail } from '../../src/vitrail.js';

/** util-linux's `script` runs a command in a pseudo-terminal, which the interactive prompt requires. */
const SCRIPT = '/usr/bin/script';
const CLI = fileURLToPath(new URL('../../../bin/vitrail.js', import.meta.url));

interface PromptRun {
  readonly code: number | null;
  /** Everything the terminal showed: prompts, masked input and messages. */
  readonly screen: string;
}

/**
 * Runs `vitrail user add` in a terminal of type `terminalType` (the TERM variable). Once the n-th prompt shows,
 * writes each string of `typing[n - 1]` to the terminal in a write of its own, as a user who types or pastes ahead
 * would. A prompt that readline redraws counts as a new one.
 */
async function typeInTerminal(
  dataDir: string,
  email: string,
  typing: readonly (readonly string[])[],
  terminalType = 'dumb',
): Promise<PromptRun> {
  const command = `'${process.execPath}' '${CLI}' user add ${email} --role admin`;
  const child = spawn(SCRIPT, ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', VITRAIL_DATA_DIR: dataDir, TERM: terminalType },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let typed = 0;
  const onOutput = (chunk: Buffer) => {
    screen += chunk.toString();
    const prompts = screen.split('Password').length - 1;
    while (typed < typing.length && typed < prompts) {
      for (const text of typing[typed] ?? []) child.stdin.write(text);
      typed += 1;
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  // A prompt that waits for an answer the test does not give must fail the test, not hang it.
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(deadline));
  return { code, screen };
}

/**
 * Runs `vitrail user add` in a terminal and types each entry once its prompt shows. Each entry ends with a carriage
 * return, as the Enter key sends.
 */
async function addUserInTerminal(dataDir: string, email: string, answers: readonly string[]): Promise<PromptRun> {
  return typeInTerminal(dataDir, email, answers.map((answer) => [`${answer}\r`]));
}

/** Checks whether the user can sign in with `password`, which proves that the prompt stored exactly that password. */
async function hasPassword(dataDir: string, email: string, password: string): Promise<boolean> {
  const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
  try {
    return (await vitrail.users.verifyCredentials(email, password)) !== null;
  } finally {
    await vitrail.close();
  }
}

/**
 * Terminal types that the `keys sent` cases run in. Node 20's readline edits the line (backspace, Ctrl+U) only when
 * TERM is not `dumb`. With `dumb` it handles Enter, Ctrl+C and Ctrl+D and takes any other key as text, so the two
 * take different paths.
 */
const TERMINAL_TYPES = ['dumb', 'xterm'] as const;

const PASSWORD = 'correct horse battery';
/** Any part of the test password: none may show on screen. */
const PASSWORD_ON_SCREEN = /correct|horse|battery/;

describe('password prompt in a terminal', { skip: existsSync(SCRIPT) ? false : `needs ${SCRIPT} (util-linux)` }, () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-prompt-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rejects a short password at once', async () => {
    const run = await addUserInTerminal(dataDir, 'court@example.org', ['court']);
    assert.notEqual(run.code, 0);
    assert.match(run.screen, /error: The password must have at least 10 characters\./);
    assert.doesNotMatch(run.screen, /Password again/);
  });

  it('asks twice for an acceptable password', async () => {
    const run = await addUserInTerminal(dataDir, 'long@example.org', ['correct horse battery', 'correct horse battery']);
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /Password again/);
    assert.doesNotMatch(run.screen, /correct horse/, 'the typed password never shows');
  });

  it('rejects a taken address before the prompt', async () => {
    const first = await addUserInTerminal(dataDir, 'pris@example.org', [PASSWORD, PASSWORD]);
    assert.equal(first.code, 0, first.screen);
    const again = await addUserInTerminal(dataDir, 'pris@example.org', []);
    assert.notEqual(again.code, 0);
    assert.match(again.screen, /already exists/);
    assert.doesNotMatch(again.screen, /Password/);
  });

  for (const terminalType of TERMINAL_TYPES) {
    describe(`keys sent with TERM=${terminalType}`, () => {
      const emailOf = (name: string) => `${name}-${terminalType}@example.org`;

      it('takes both answers from one write', async () => {
        const run = await typeInTerminal(dataDir, emailOf('paste'), [[`${PASSWORD}\r${PASSWORD}\r`]], terminalType);
        assert.equal(run.code, 0, run.screen);
        assert.match(run.screen, /Password again/);
        assert.doesNotMatch(run.screen, PASSWORD_ON_SCREEN, 'the typed password never shows');
        assert.ok(await hasPassword(dataDir, emailOf('paste'), PASSWORD));
      });

      it('takes an answer typed before its prompt', async () => {
        const run = await typeInTerminal(dataDir, emailOf('ahead'), [[`${PASSWORD}\r`, `${PASSWORD}\r`]], terminalType);
        assert.equal(run.code, 0, run.screen);
        assert.doesNotMatch(run.screen, PASSWORD_ON_SCREEN, 'the typed password never shows');
        assert.ok(await hasPassword(dataDir, emailOf('ahead'), PASSWORD));
      });

      it('rejects different answers typed ahead', async () => {
        const typing = [[`${PASSWORD}\rcorrect horse battering\r`]];
        const run = await typeInTerminal(dataDir, emailOf('differ'), typing, terminalType);
        assert.equal(run.code, 1, run.screen);
        assert.match(run.screen, /error: The two passwords differ: type the same password twice\./);
        assert.doesNotMatch(run.screen, PASSWORD_ON_SCREEN, 'the typed password never shows');
      });

      it('reports the end of input at a prompt', async () => {
        // Ctrl+D on an empty line is the end of input in a terminal.
        const run = await typeInTerminal(dataDir, emailOf('ended'), [['\x04']], terminalType);
        assert.equal(run.code, 1, run.screen);
        assert.match(run.screen, /error: The input ended before a password was entered, so nothing was changed\./);
        assert.doesNotMatch(run.screen, /Password again/);
      });

      it('reports the end of input after the first answer', async () => {
        const run = await typeInTerminal(dataDir, emailOf('half'), [[`${PASSWORD}\r`], ['\x04']], terminalType);
        assert.equal(run.code, 1, run.screen);
        assert.match(run.screen, /error: The input ended before a password was entered, so nothing was changed\./);
      });

      it('exits with status 130 on Ctrl+C', async () => {
        const run = await typeInTerminal(dataDir, emailOf('cancel'), [['correct\x03']], terminalType);
        assert.equal(run.code, 130, run.screen);
        assert.doesNotMatch(run.screen, /error|\n\s+at /i, 'no message and no stack trace');
        assert.doesNotMatch(run.screen, PASSWORD_ON_SCREEN, 'the typed password never shows');
      });
    });
  }

  it('keeps the prompt when a backspace redraws the line', async () => {
    // Readline redraws the whole line after a backspace, prompt included, and the prompt must stay unmasked.
    const typing = [[`${PASSWORD}X\x7f\r`], [`${PASSWORD}\r`]];
    const run = await typeInTerminal(dataDir, 'erase@example.org', typing, 'xterm');
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /Password: \*{21}\x1b/, 'the line after the backspace');
    assert.doesNotMatch(run.screen, PASSWORD_ON_SCREEN, 'the typed password never shows');
    assert.ok(await hasPassword(dataDir, 'erase@example.org', PASSWORD));
  });
});
