import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { occupyPort } from '../support/occupied-port.js';
import { MINIMAL_PDF, upload } from '../support/uploads.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/vitrail.js');

interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vitrail <args>` as a separate process, as an operator would. */
function vitrail(args: string[], env: Record<string, string>, stdin?: string, cwd?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('vitrail CLI', () => {
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-cli-'));
    env = { VITRAIL_DATA_DIR: dataDir };
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('adds a user with the password from standard input', async () => {
    const result = await vitrail(['user', 'add', 'Secretariat@Paroisse.fr', '--role', 'admin', '--password-stdin'], env, 'un mot de passe long\n');
    assert.equal(result.code, 0, result.stderr);
    const list = await vitrail(['user', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /secretariat@paroisse\.fr\s+admin\s+enabled/);
  });

  it('refuses a duplicate user with a message and exit 1', async () => {
    const result = await vitrail(['user', 'add', 'secretariat@paroisse.fr', '--password-stdin'], env, 'un mot de passe long\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already exists/);
  });

  it('refuses a short password', async () => {
    const result = await vitrail(['user', 'add', 'court@paroisse.fr', '--password-stdin'], env, 'court\n');
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: The password must have at least 10 characters.\n');
  });

  it('says when standard input is empty', async () => {
    for (const input of ['', '\n']) {
      const result = await vitrail(['user', 'add', 'vide@paroisse.fr', '--password-stdin'], env, input);
      assert.equal(result.code, 1, JSON.stringify(input));
      assert.match(result.stderr, /^error: No password was read: standard input was empty\./, JSON.stringify(input));
      assert.doesNotMatch(result.stderr, /at least 10 characters/, JSON.stringify(input));
    }
  });

  it('refuses a password of two lines', async () => {
    const result = await vitrail(['user', 'add', 'deux@paroisse.fr', '--password-stdin'], env, 'un mot de passe long\nun mot de passe long\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Standard input has several lines, but a password is one line/);
  });

  it('words validation errors without the HTTP API', async () => {
    const address = await vitrail(['user', 'add', 'pas-une-adresse', '--password-stdin'], env, 'un mot de passe long\n');
    assert.equal(address.code, 1);
    assert.equal(address.stderr, 'error: "pas-une-adresse" is not an e-mail address such as secretariat@paroisse.fr.\n');

    const tokenName = await vitrail(['token', 'create', '--user', 'secretariat@paroisse.fr', '--name', ' '], env);
    assert.equal(tokenName.code, 1);
    assert.equal(tokenName.stderr, 'error: The token name must have 1 to 200 characters.\n');
  });

  it('refuses an unknown role', async () => {
    const result = await vitrail(['user', 'add', 'x@paroisse.fr', '--role', 'pope', '--password-stdin'], env, 'un mot de passe long\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /admin, editor/);
  });

  it('shows the roles and the default in help', async () => {
    const help = await vitrail(['user', 'add', '--help'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--role <role>[\s\S]*\(choices: "admin", "editor", default: "editor"\)/);

    const added = await vitrail(['user', 'add', 'sans-role@paroisse.fr', '--password-stdin'], env, 'un mot de passe long\n');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /Created editor sans-role@paroisse\.fr/);

    const wrongRole = await vitrail(['user', 'role', 'sans-role@paroisse.fr', 'pope'], env);
    assert.equal(wrongRole.code, 1);
    assert.match(wrongRole.stderr, /Allowed choices are admin, editor/);
  });

  it('asks for --password-stdin when there is no terminal', async () => {
    const result = await vitrail(['user', 'add', 'y@paroisse.fr'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--password-stdin/);
    assert.doesNotMatch(result.stderr, /The request is invalid/);
  });

  it('checks the address before asking for a password', async () => {
    const takenAddress = await vitrail(['user', 'add', 'secretariat@paroisse.fr'], env);
    assert.equal(takenAddress.code, 1);
    assert.match(takenAddress.stderr, /already exists/);
    assert.doesNotMatch(takenAddress.stderr, /--password-stdin/);

    const unknownAddress = await vitrail(['user', 'passwd', 'inconnu@paroisse.fr'], env);
    assert.equal(unknownAddress.code, 1);
    assert.match(unknownAddress.stderr, /inconnu@paroisse\.fr/);
    assert.doesNotMatch(unknownAddress.stderr, /--password-stdin/);
  });

  it('prints a new token alone on standard output', async () => {
    const result = await vitrail(['token', 'create', '--user', 'secretariat@paroisse.fr', '--name', 'CiviCRM'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^vtr_[A-Za-z0-9_-]{43}\n$/);
    const list = await vitrail(['token', 'list'], env);
    assert.match(list.stdout, /secretariat@paroisse\.fr\s+CiviCRM/);
    assert.ok(!list.stdout.includes(result.stdout.trim()), 'the list must not show the secret');
  });

  it('says a token was already revoked', async () => {
    const created = await vitrail(['token', 'create', '--user', 'secretariat@paroisse.fr', '--name', 'twice'], env);
    const id = /Created token ([0-9a-f]+)/.exec(created.stderr)?.[1] ?? '';
    assert.notEqual(id, '', created.stderr);

    const first = await vitrail(['token', 'revoke', id], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, `Revoked token ${id}.\n`);

    const second = await vitrail(['token', 'revoke', id], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`^Token ${id} was already revoked on \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, so nothing changed\\.\\n$`));

    const unknown = await vitrail(['token', 'revoke', '000000000000'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No API token has the id "000000000000"/);
  });

  it('changes role and password of a user', async () => {
    await vitrail(['user', 'add', 'benevole@paroisse.fr', '--password-stdin'], env, 'premier mot de passe\n');
    const role = await vitrail(['user', 'role', 'benevole@paroisse.fr', 'admin'], env);
    assert.equal(role.code, 0, role.stderr);
    const passwd = await vitrail(['user', 'passwd', 'benevole@paroisse.fr', '--password-stdin'], env, 'second mot de passe\n');
    assert.equal(passwd.code, 0, passwd.stderr);
    const list = await vitrail(['user', 'list'], env);
    assert.match(list.stdout, /benevole@paroisse\.fr\s+admin/);
  });

  it('prints the version of package.json', async () => {
    const manifest = JSON.parse(await readFile(path.join(path.dirname(BIN), '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await vitrail([flag], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${manifest.version}\n`);
    }
  });

  it('names an invalid setting and exits 2', async () => {
    const result = await vitrail(['user', 'list'], { ...env, VITRAIL_MAX_UPLOAD_BYTES: 'beaucoup' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /VITRAIL_MAX_UPLOAD_BYTES="beaucoup" is invalid/);
  });

  it('answers an unknown user with exit 1', async () => {
    const result = await vitrail(['user', 'disable', 'personne@paroisse.fr'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /vitrail user list/);
  });

  it('names the missing directory of a backup', async () => {
    const missingDirectory = path.join(dataDir, 'nowhere');
    const result = await vitrail(['backup', path.join(missingDirectory, 'x.tar')], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`the directory ${missingDirectory} does not exist`));
    assert.match(result.stderr, /Create it first/);
    assert.doesNotMatch(result.stderr, /TypeError/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('asks for a file name when a backup names a directory', async () => {
    const result = await vitrail(['backup', dataDir], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is a directory: give the backup's file name inside it/);
  });

  it('prints a system error without a stack trace', async () => {
    const file = path.join(dataDir, 'a-file');
    await writeFile(file, 'not a directory');
    const result = await vitrail(['tls', 'self-signed', '--out', path.join(file, 'certificates')], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: ENOTDIR: not a directory/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('ends quietly when the output pipe closes', async () => {
    const child = spawn(process.execPath, [BIN, 'token', 'list'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the command writes, as `head` does once it has read enough.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });
});

describe('vitrail CLI on a damaged database', () => {
  it('names the SQLite error without a stack trace', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-cli-damaged-'));
    try {
      await writeFile(path.join(dataDir, 'vitrail.db'), 'not a SQLite database, only text that is long enough to be read as a header');
      const result = await vitrail(['user', 'list'], { VITRAIL_DATA_DIR: dataDir });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: The database failed: file is not a database \(SQLITE_NOTADB\)/);
      assert.match(result.stderr, /restore the database from a backup/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('vitrail CLI without an installation', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vitrail-cli-none-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('rejects a missing data directory', async () => {
    const dataDir = path.join(root, 'typo');
    const commands = [
      ['check'],
      ['backup', path.join(root, 'backup.tar')],
      ['user', 'list'],
      ['user', 'disable', 'secretariat@paroisse.fr'],
      ['token', 'list'],
      ['token', 'create', '--user', 'secretariat@paroisse.fr', '--name', 'cron'],
      ['token', 'revoke', 'e6e26f667d98'],
    ];
    for (const command of commands) {
      const result = await vitrail(command, { VITRAIL_DATA_DIR: dataDir });
      const name = command.slice(0, 2).join(' ');
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`No Vitrail installation at ${dataDir}: the directory does not exist`), name);
      assert.match(result.stderr, new RegExp(`VITRAIL_DATA_DIR is "${dataDir}" in the environment`), name);
      assert.match(result.stderr, /vitrail user add <email> --role admin/, name);
      assert.equal(result.stdout, '', name);
    }
    assert.deepEqual(await readdir(root), [], 'no data directory and no backup archive');
  });

  it('rejects a directory without vitrail.db', async () => {
    const dataDir = path.join(root, 'empty');
    await mkdir(dataDir);
    const result = await vitrail(['check'], { VITRAIL_DATA_DIR: dataDir });
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, /the directory has no vitrail\.db/);
    assert.doesNotMatch(result.stdout, /no damage found/);
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('names the default data directory', async () => {
    const result = await vitrail(['user', 'list'], {}, undefined, root);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /VITRAIL_DATA_DIR is not set, so the default \.\/data/);
  });

  it('first user add creates the installation', async () => {
    const dataDir = path.join(root, 'new', 'data');
    const added = await vitrail(['user', 'add', 'premier@paroisse.fr', '--role', 'admin', '--password-stdin'], { VITRAIL_DATA_DIR: dataDir }, 'un mot de passe long\n');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, new RegExp(`No installation in ${dataDir} yet: creating a new one there`));
    const check = await vitrail(['check'], { VITRAIL_DATA_DIR: dataDir });
    assert.equal(check.code, 0, check.stderr);
    const again = await vitrail(['user', 'add', 'second@paroisse.fr', '--password-stdin'], { VITRAIL_DATA_DIR: dataDir }, 'un mot de passe long\n');
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /creating a new one/);
  });

  it('refuses a database beside stored blobs', async () => {
    const dataDir = path.join(root, 'lost-database');
    await mkdir(path.join(dataDir, 'blobs', 'ab'), { recursive: true });
    for (const command of [['user', 'add', 'premier@paroisse.fr', '--password-stdin'], ['serve']]) {
      const result = await vitrail(command, { VITRAIL_DATA_DIR: dataDir, VITRAIL_PORT: '0' }, 'un mot de passe long\n');
      assert.equal(result.code, 2, `${command[0] ?? ''}: ${result.stderr}`);
      assert.match(result.stderr, /has stored files \(blobs\/\) but no vitrail\.db: its database is missing/);
      assert.match(result.stderr, /vitrail restore <file> --force/);
    }
    assert.deepEqual(await readdir(dataDir), ['blobs']);
  });

  it('config shows the data directory state', async () => {
    const missing = await vitrail(['config'], { VITRAIL_DATA_DIR: path.join(root, 'elsewhere') });
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stdout, /Data directory: .*elsewhere \(does not exist\)/);
    const installed = await vitrail(['config'], { VITRAIL_DATA_DIR: path.join(root, 'new', 'data') });
    assert.match(installed.stdout, /Data directory: .*new\/data \(vitrail\.db found\)/);
  });
});

describe('vitrail CLI beside a running server', () => {
  let server: TestServer;
  let env: Record<string, string>;

  before(async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-cli-live-'));
    server = await startTestServer({ VITRAIL_DATA_DIR: dataDir });
    env = { VITRAIL_DATA_DIR: dataDir };
  });
  after(async () => {
    await server.close();
    await rm(env.VITRAIL_DATA_DIR ?? '', { recursive: true, force: true });
  });

  it('revokes a token, refused by the server at the next request', async () => {
    const created = await vitrail(['token', 'create', '--user', 'editor@example.org', '--name', 'script'], env);
    const token = created.stdout.trim();
    assert.equal((await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token })).status, 201);

    const id = /Created token ([0-9a-f]+)/.exec(created.stderr)?.[1];
    assert.ok(id);
    const revoked = await vitrail(['token', 'revoke', id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token })).status, 401);
  });

  it('disables a user, refused by the server at the next request', async () => {
    const token = await server.createUserToken('partant@example.org', 'editor');
    assert.equal((await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token })).status, 201);
    assert.equal((await vitrail(['user', 'disable', 'partant@example.org'], env)).code, 0);
    assert.equal((await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token })).status, 401);
    assert.equal((await vitrail(['user', 'enable', 'partant@example.org'], env)).code, 0);
    assert.equal((await upload(server, { name: 'a.pdf', content: MINIMAL_PDF, token })).status, 201);
  });
});

describe('vitrail serve', () => {
  it('creates the first admin from the environment, serves, and stops on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-serve-'));
    try {
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: {
          PATH: process.env.PATH ?? '',
          VITRAIL_DATA_DIR: dataDir,
          VITRAIL_PORT: '0',
          VITRAIL_ADMIN_EMAIL: 'premier@paroisse.fr',
          VITRAIL_ADMIN_PASSWORD: 'un mot de passe long',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 15_000);
        child.stdout.on('data', () => {
          const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
          if (match?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });

      assert.match(output, /created the first admin/);
      assert.ok(!output.includes('premier@paroisse.fr'), 'the log must not show the full e-mail address');
      assert.ok(!output.includes('un mot de passe long'), 'the log must not show the password');
      assert.equal((await fetch(`${address}/healthz`)).status, 200);

      const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
      assert.match(output, /Vitrail stopped/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('explains a port already in use', async () => {
    const occupied = await occupyPort();
    const port = occupied.port;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-serve-'));
    try {
      const result = await vitrail(['serve'], { VITRAIL_DATA_DIR: dataDir, VITRAIL_HOST: '127.0.0.1', VITRAIL_PORT: String(port) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: another program already uses this port`));
      assert.match(result.stderr, /set VITRAIL_PORT to a free port/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      occupied.release();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says how to create the first admin when no user exists', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrail-serve-'));
    try {
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: { PATH: process.env.PATH ?? '', VITRAIL_DATA_DIR: dataDir, VITRAIL_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 15_000);
        child.stdout.on('data', () => {
          if (output.includes('Vitrail started')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      assert.match(output, /npx vitrail user add <email> --role admin/);
      const exit = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await exit;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
