import net from 'node:net';

/** A port of 127.0.0.1 that another listener holds, as when a second server starts on a taken port. */
export interface OccupiedPort {
  readonly port: number;
  release(): void;
}

/** Listens on a free port of 127.0.0.1 and keeps it until `release`. */
export async function occupyPort(): Promise<OccupiedPort> {
  const occupant = net.createServer();
  await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
  const port = (occupant.address() as net.AddressInfo).port;
  return { port, release: () => occupant.close() };
}
