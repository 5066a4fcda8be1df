import type { Role } from '../db/schema.js';

/** Who sends a request, once authenticated. */
export interface Principal {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  /** Set when the request came with an API token. */
  readonly tokenId?: string;
  /** Set when the request came with a session cookie: the hash that identifies the session. */
  readonly sessionId?: string;
}
