import type { Logger } from 'pino';

import type { TokenListing } from '../db/repositories/token-repository.js';
import type { Role, UserRow } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import { accessPolicy, type Action } from './access-policy.js';
import type { Principal } from './principal.js';
import type { SessionService } from './session-service.js';
import type { CreatedToken, TokenService } from './token-service.js';
import type { UserService } from './user-service.js';

export interface AccountAdministrationDependencies {
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly logger: Logger;
}

export interface UserChanges {
  readonly role?: Role;
  readonly disabled?: boolean;
  readonly password?: string;
}

/**
 * Account use cases of the HTTP API: a user changes their own password; admins manage users and API
 * tokens. The command line does the same through UserService and TokenService directly.
 */
export class AccountAdministration {
  constructor(private readonly deps: AccountAdministrationDependencies) {}

  /** Changes the signed-in user's password, then ends their other sessions. */
  async changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    if (!(await this.deps.users.isPasswordOf(principal.userId, currentPassword))) {
      throw new VitrailError('VITRAIL_AUTH_PASSWORD_WRONG');
    }
    const user = await this.deps.users.requireUserById(principal.userId);
    await this.deps.users.setPassword(user.email, newPassword);
    const ended = await this.deps.sessions.revokeOtherSessions(user.id, principal.sessionId);
    this.deps.logger.info({ userId: user.id, endedSessions: ended }, 'password changed by its owner');
  }

  async listUsers(principal: Principal): Promise<UserRow[]> {
    this.requireRight(principal, 'manage users');
    return this.deps.users.listUsers();
  }

  async addUser(principal: Principal, email: string, password: string, role: Role): Promise<UserRow> {
    this.requireRight(principal, 'manage users');
    const user = await this.deps.users.addUser(email, password, role);
    this.deps.logger.info({ userId: user.id, role, by: principal.userId }, 'user added');
    return user;
  }

  /**
   * Changes a user's role, state or password. An admin cannot demote or disable their own account, so the
   * last admin cannot lock everyone out by mistake. A new password or a disabled account ends its sessions.
   */
  async updateUser(principal: Principal, id: string, changes: UserChanges): Promise<UserRow> {
    this.requireRight(principal, 'manage users');
    const user = await this.deps.users.requireUserById(id);
    if (user.id === principal.userId) {
      if (changes.role !== undefined && changes.role !== user.role) throw new VitrailError('VITRAIL_USER_SELF_CHANGE', { action: 'change the role of' });
      if (changes.disabled === true) throw new VitrailError('VITRAIL_USER_SELF_CHANGE', { action: 'disable' });
    }
    if (changes.password !== undefined) await this.deps.users.setPassword(user.email, changes.password);
    if (changes.role !== undefined) await this.deps.users.setRole(user.email, changes.role);
    if (changes.disabled !== undefined) await this.deps.users.setDisabled(user.email, changes.disabled);
    if (changes.password !== undefined || changes.disabled === true) {
      await this.deps.sessions.revokeOtherSessions(user.id, principal.sessionId);
    }
    this.deps.logger.info({ userId: user.id, by: principal.userId, changed: Object.keys(changes) }, 'user updated');
    return this.deps.users.requireUserById(user.id);
  }

  async listTokens(principal: Principal): Promise<TokenListing[]> {
    this.requireRight(principal, 'manage API tokens');
    return this.deps.tokens.listTokens();
  }

  /** Creates a token for a user, the admin themselves when no user id is given. */
  async createToken(principal: Principal, name: string, userId?: string): Promise<CreatedToken> {
    this.requireRight(principal, 'manage API tokens');
    const owner = await this.deps.users.requireUserById(userId ?? principal.userId);
    const created = await this.deps.tokens.createToken(owner.email, name);
    this.deps.logger.info({ tokenId: created.id, userId: owner.id, by: principal.userId }, 'API token created');
    return created;
  }

  async revokeToken(principal: Principal, id: string): Promise<void> {
    this.requireRight(principal, 'manage API tokens');
    await this.deps.tokens.revokeToken(id);
    this.deps.logger.info({ tokenId: id, by: principal.userId }, 'API token revoked');
  }

  private requireRight(principal: Principal, action: Action): void {
    if (!accessPolicy.can(principal, action)) throw new VitrailError('VITRAIL_FORBIDDEN', { action });
  }
}
