import assert from 'node:assert/strict';
import net from 'node:net';

export interface RawResponse {
  readonly statusLine: string;
  /** Field names in lower case; a repeated field would fail the test. */
  readonly fields: Map<string, string>;
  readonly body: Buffer;
}

/**
 * A client connection that writes requests as raw bytes and reads each response as it comes, so that the
 * test reads the exact head, with the fields fetch hides or adds (Connection, Keep-Alive).
 */
export class RawConnection {
  private received = Buffer.alloc(0);
  private readonly socket: net.Socket;
  private ended = false;
  private readonly waiters = new Set<() => void>();

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Sends one request and reads its response. */
  async request(method: string, target: string, version = 'HTTP/1.1', headers: Record<string, string> = {}): Promise<RawResponse> {
    this.send(method, target, version, headers);
    return this.read(method);
  }

  /** Writes a request without waiting for the response, so that several can be pipelined. */
  send(method: string, target: string, version = 'HTTP/1.1', headers: Record<string, string> = {}): void {
    const lines = [`${method} ${target} ${version}`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  }

  /** Reads the next response. A response to HEAD has no body, whatever its Content-Length. */
  async read(method: string): Promise<RawResponse> {
    let headEnd = -1;
    while ((headEnd = this.received.indexOf('\r\n\r\n')) === -1) await this.next();
    const [statusLine = '', ...fieldLines] = this.received.subarray(0, headEnd).toString('latin1').split('\r\n');
    const fields = new Map<string, string>();
    for (const line of fieldLines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      assert.equal(fields.has(name), false, `${name} appears once`);
      fields.set(name, line.slice(colon + 1).trim());
    }
    const length = method === 'HEAD' ? 0 : Number(fields.get('content-length') ?? 0);
    while (this.received.length < headEnd + 4 + length) await this.next();
    const body = this.received.subarray(headEnd + 4, headEnd + 4 + length);
    this.received = this.received.subarray(headEnd + 4 + length);
    return { statusLine, fields, body };
  }

  /** Resolves once the server has closed its side. */
  async closedByServer(): Promise<void> {
    while (!this.ended) await this.next();
  }

  close(): void {
    this.socket.destroy();
  }

  private next(): Promise<void> {
    if (this.ended) throw new Error(`the server closed the connection; received ${this.received.length} more bytes`);
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }
}
