import { OperationError } from '../ops/operation-error.js';

/** An address to listen on, with the names of the settings that choose it. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  readonly hostSetting: string;
  readonly portSetting: string;
}

/**
 * Converts a failed listen into an OperationError whose message names the setting to change. It covers the
 * failures an operator fixes: a port already taken, a port that needs privileges, a host that is not an
 * address of this machine. Any other error is returned unchanged.
 */
export function explainListenFailure(error: unknown, address: ListenAddress): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `cannot listen on ${address.host}:${address.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new OperationError(`${where}: another program already uses this port. Stop it, or set ${address.portSetting} to a free port.`, {
        cause: error,
      });
    case 'EACCES':
      return new OperationError(
        `${where}: permission denied, as for any port below 1024 without extra rights. Set ${address.portSetting} to 1024 or above, with a reverse proxy in front (docs/install.md).`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
      return new OperationError(
        `${where}: ${address.host} is not an address of this machine. Set ${address.hostSetting} to one of its addresses, such as 127.0.0.1 or 0.0.0.0.`,
        { cause: error },
      );
    default:
      return error;
  }
}

/** Runs `listen`, and explains its failure as `explainListenFailure` does. */
export async function listenOrExplain(listen: () => Promise<string>, address: ListenAddress): Promise<string> {
  try {
    return await listen();
  } catch (error) {
    throw explainListenFailure(error, address);
  }
}
