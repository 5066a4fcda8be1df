import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { startChildServer, type ChildServer } from './child-server.js';

export interface NginxOptions {
  /** Directory for the config, pid file, logs and temporary files; nothing is written elsewhere. */
  readonly prefix: string;
  readonly port: number;
  /** Server blocks (and upstreams) inside the http block; they must listen on 127.0.0.1 only. */
  readonly servers: string;
}

/**
 * Starts Debian's nginx in the foreground with its own config under `prefix`, listening on 127.0.0.1 only.
 * Tuned as an operator would for static files: sendfile, no access log, one worker per core, long keep-alive.
 */
export async function startNginx(options: NginxOptions): Promise<ChildServer> {
  const { prefix } = options;
  await mkdir(path.join(prefix, 'temp'), { recursive: true });
  const temp = (name: string) => path.join(prefix, 'temp', name);
  const config = `
daemon off;
worker_processes auto;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${temp('client-body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  types { application/pdf pdf; }
  default_type application/octet-stream;
  ${options.servers}
}
`;
  const configPath = path.join(prefix, 'nginx.conf');
  await writeFile(configPath, config);
  return startChildServer('nginx', '/usr/sbin/nginx', ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', configPath], options.port);
}
