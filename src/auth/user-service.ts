import { randomBytes } from 'node:crypto';

import type { UserRepository } from '../db/repositories/user-repository.js';
import type { Role, UserRow } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import type { Clock } from '../time/clock.js';
import { argon2PasswordHasher, findPasswordProblem, type PasswordHasher } from './passwords.js';

export const ROLES: readonly Role[] = ['admin', 'editor'];

export interface UserServiceDependencies {
  readonly users: UserRepository;
  readonly clock: Clock;
  /** Password hasher: argon2id unless a test passes its own. */
  readonly passwords?: PasswordHasher;
}

/** User accounts: creation, roles, passwords, enabling and disabling. */
export class UserService {
  private readonly passwords: PasswordHasher;
  /** Hash of a random password, made at first need and checked when no enabled account matches a sign-in. */
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly deps: UserServiceDependencies) {
    this.passwords = deps.passwords ?? argon2PasswordHasher;
  }

  async addUser(emailInput: string, password: string, role: Role): Promise<UserRow> {
    const email = normaliseEmail(emailInput);
    assertPasswordAcceptable(password);
    await this.requireEmailFree(email);
    const now = this.deps.clock.now().toISOString();
    const row: UserRow = {
      id: `usr_${randomBytes(8).toString('hex')}`,
      email,
      password_hash: await this.passwords.hash(password),
      role,
      created_at: now,
      updated_at: now,
      disabled_at: null,
    };
    await this.deps.users.insert(row);
    return row;
  }

  async listUsers(): Promise<UserRow[]> {
    return this.deps.users.list();
  }

  async countUsers(): Promise<number> {
    return this.deps.users.count();
  }

  async setPassword(email: string, password: string): Promise<void> {
    assertPasswordAcceptable(password);
    const user = await this.requireUser(email);
    const passwordHash = await this.passwords.hash(password);
    await this.deps.users.update(user.id, { password_hash: passwordHash, updated_at: this.nowIso() });
  }

  async setRole(email: string, role: Role): Promise<void> {
    const user = await this.requireUser(email);
    await this.deps.users.update(user.id, { role, updated_at: this.nowIso() });
  }

  /** Disables or enables an account; a disabled user's tokens stop working on their next request. */
  async setDisabled(email: string, disabled: boolean): Promise<void> {
    const user = await this.requireUser(email);
    const now = this.nowIso();
    await this.deps.users.update(user.id, { disabled_at: disabled ? now : null, updated_at: now });
  }

  /** Checks an e-mail and password; returns the user only when both match an enabled account. */
  async verifyCredentials(email: string, password: string): Promise<UserRow | null> {
    const user = await this.deps.users.findByEmail(normaliseEmail(email));
    if (user === undefined || user.disabled_at !== null) {
      // The same argon2id work as for a real account, so the response time does not reveal which e-mail
      // addresses have an enabled account.
      this.decoyHash ??= this.passwords.hash(randomBytes(16).toString('base64url'));
      await this.passwords.verify(await this.decoyHash, password);
      return null;
    }
    return (await this.passwords.verify(user.password_hash, password)) ? user : null;
  }

  /** Throws VITRAIL_USER_EXISTS when an account already has this e-mail address. */
  async requireEmailFree(emailInput: string): Promise<void> {
    const email = normaliseEmail(emailInput);
    if ((await this.deps.users.findByEmail(email)) !== undefined) {
      throw new VitrailError('VITRAIL_USER_EXISTS', { email });
    }
  }

  async requireUser(emailInput: string): Promise<UserRow> {
    const email = normaliseEmail(emailInput);
    const user = await this.deps.users.findByEmail(email);
    if (user === undefined) throw new VitrailError('VITRAIL_USER_NOT_FOUND', { email });
    return user;
  }

  async requireUserById(id: string): Promise<UserRow> {
    const user = await this.deps.users.findById(id);
    if (user === undefined) throw new VitrailError('VITRAIL_USER_ID_NOT_FOUND', { id });
    return user;
  }

  /** Checks a user's current password, whatever the state of the account. */
  async isPasswordOf(userId: string, password: string): Promise<boolean> {
    const user = await this.requireUserById(userId);
    return this.passwords.verify(user.password_hash, password);
  }

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }
}

/** Lower-cases and trims an e-mail address, and checks its shape (one @, a dot in the domain). */
export function normaliseEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', {
      reason: `"${input}" is not an e-mail address such as secretariat@paroisse.fr`,
    });
  }
  return email;
}

export function parseRole(input: string): Role {
  if (!(ROLES as readonly string[]).includes(input)) {
    throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: `the role must be one of ${ROLES.join(', ')}, not "${input}"` });
  }
  return input as Role;
}

function assertPasswordAcceptable(password: string): void {
  const problem = findPasswordProblem(password);
  if (problem !== null) throw new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: problem });
}
