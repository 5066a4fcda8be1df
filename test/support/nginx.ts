import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface RunningNginx {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's nginx in the foreground with `httpConfig` inside its http block, every path it writes
 * (pid, logs, temporary files) under `prefix`, listening where `httpConfig` says (127.0.0.1 only).
 */
export async function startNginx(prefix: string, httpConfig: string, port: number): Promise<RunningNginx> {
  const temp = path.join(prefix, 'temp');
  await mkdir(temp, { recursive: true });
  const config = `
daemon off;
worker_processes 1;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'error.log')} warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${path.join(temp, 'client-body')};
  proxy_temp_path ${path.join(temp, 'proxy')};
  fastcgi_temp_path ${path.join(temp, 'fastcgi')};
  uwsgi_temp_path ${path.join(temp, 'uwsgi')};
  scgi_temp_path ${path.join(temp, 'scgi')};
  ${httpConfig}
}
`;
  const configPath = path.join(prefix, 'nginx.conf');
  await writeFile(configPath, config);
  const child = spawn(NGINX_BINARY, ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child, () => stderr);
  return { url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;
  server.close();
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}: ${stderr()}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`nginx does not listen on 127.0.0.1:${port} after 10 s: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** The nginx configuration shipped in docs/, for a Vitrail behind nginx with a public mirror. */
export const SHIPPED_MIRROR_CONFIG = new URL('../../../docs/nginx/vitrail-public-mirror.conf', import.meta.url);

/**
 * Starts nginx with the shipped public-mirror configuration, pointed at a running Vitrail and its mirror
 * directory, on a free loopback port. Every path nginx writes goes under `prefix`.
 */
export async function startShippedMirrorNginx(prefix: string, vitrailUrl: string, mirrorDir: string): Promise<RunningNginx> {
  const port = await freePort();
  const shipped = await readFile(SHIPPED_MIRROR_CONFIG, 'utf8');
  const config = shipped
    .replaceAll('server 127.0.0.1:8080;', `server ${new URL(vitrailUrl).host};`)
    .replaceAll('listen 80;', `listen 127.0.0.1:${port};`)
    .replaceAll('/var/lib/vitrail/public-mirror', mirrorDir);
  if (config === shipped) throw new Error('the shipped nginx configuration no longer has the lines the tests replace');
  return startNginx(prefix, config, port);
}
