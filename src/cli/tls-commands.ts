import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { Command } from 'commander';

/** Validity of a self-signed certificate, in days: long enough for a test setup, short enough to notice. */
const SELF_SIGNED_DAYS = 365;

const WARNING =
  'WARNING: a self-signed certificate is for internal tests only. Mail clients and browsers do not trust it,\n' +
  'so links in mails must use https with a certificate from a public authority (Caddy or certbot obtain one).\n';

/** `vitrail tls self-signed --out <dir>`: a certificate and key for internal tests. */
export function tlsCommands(): Command {
  const tls = new Command('tls').description('TLS certificates');
  tls
    .command('self-signed')
    .description('write cert.pem and key.pem, a self-signed certificate for internal tests only')
    .requiredOption('--out <dir>', 'directory to write cert.pem and key.pem into')
    .option('--host <name...>', 'host names and IP addresses the certificate is valid for', ['localhost', '127.0.0.1'])
    .action(async (options: { out: string; host: string[] }) => {
      process.stderr.write(WARNING);
      const hosts = options.host;
      const altNames = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }));
      const notBefore = new Date();
      // Loaded here: the X.509 libraries behind selfsigned would otherwise sit in every server's memory.
      const { generate } = await import('selfsigned');
      const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        notBeforeDate: notBefore,
        notAfterDate: new Date(notBefore.getTime() + SELF_SIGNED_DAYS * 86_400_000),
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames },
        ],
      });
      await mkdir(options.out, { recursive: true });
      await writeFile(path.join(options.out, 'cert.pem'), pems.cert, { mode: 0o644 });
      await writeFile(path.join(options.out, 'key.pem'), pems.private, { mode: 0o600 });
      process.stderr.write(
        `Wrote ${path.join(options.out, 'cert.pem')} and key.pem (valid ${SELF_SIGNED_DAYS} days for ${hosts.join(', ')}).\n` +
          `Serve HTTPS with VITRAIL_TLS_CERT=${path.join(options.out, 'cert.pem')} VITRAIL_TLS_KEY=${path.join(options.out, 'key.pem')}\n`,
      );
    });
  return tls;
}
