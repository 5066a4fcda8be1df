import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

/** util-linux's `script` runs a command in a pseudo-terminal, which the interactive prompt requires. */
const SCRIPT = '/usr/bin/script';
const CLI = fileURLToPath(new URL('../../../bin/vitrail.js', import.meta.url));

interface PromptRun {
  readonly code: number | null;
  /** Everything the terminal showed: prompts, masked input and messages. */
  readonly screen: string;
}

/**
 * Runs `vitrail user add` in a terminal and types each entry once its prompt shows. Each entry ends with a
 * carriage return, as the Enter key sends.
 */
async function addUserInTerminal(dataDir: string, email: string, answers: readonly string[]): Promise<PromptRun> {
  const command = `'${process.execPath}' '${CLI}' user add ${email} --role admin`;
  const child = spawn(SCRIPT, ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', VITRAIL_DATA_DIR: dataDir, TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let answered = 0;
  const onOutput = (chunk: Buffer) => {
    screen += chunk.toString();
    const prompts = screen.split('Password').length - 1;
    while (answered < answers.length && answered < prompts) {
      child.stdin.write(`${answers[answered]}\r`);
      answered += 1;
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
    assert.match(run.screen, /at least 10 characters/);
    assert.doesNotMatch(run.screen, /Password again/);
  });

  it('asks twice for an acceptable password', async () => {
    const run = await addUserInTerminal(dataDir, 'long@example.org', ['correct horse battery', 'correct horse battery']);
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, /Password again/);
    assert.doesNotMatch(run.screen, /correct horse/, 'the typed password never shows');
  });
});
