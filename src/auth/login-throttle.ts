import type { LoginFailureRepository } from '../db/repositories/login-failure-repository.js';
import { VitrailError } from '../errors/catalogue.js';
import type { Clock } from '../time/clock.js';

/** How many failed sign-ins a subject may have within the window before it must wait. */
export interface LoginLimits {
  readonly perAccount: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

/**
 * Five wrong passwords per account stop a guesser without locking out someone who mistypes a few times.
 * An address gets more room because a parish office may share one public IP address.
 */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

export interface LoginThrottleDependencies {
  readonly failures: LoginFailureRepository;
  readonly clock: Clock;
  readonly limits?: LoginLimits;
}

/**
 * Limits sign-in attempts per account and per client address. Failures are rows in the database, so every
 * instance behind a load balancer counts the same attempts.
 */
export class LoginThrottle {
  private readonly limits: LoginLimits;

  constructor(private readonly deps: LoginThrottleDependencies) {
    this.limits = deps.limits ?? DEFAULT_LOGIN_LIMITS;
  }

  /** Fails with VITRAIL_AUTH_TOO_MANY_ATTEMPTS while the account or the address has used up its attempts. */
  async assertAllowed(email: string, address: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const since = new Date(now - this.limits.windowMs).toISOString();
    const checks: [string, number][] = [
      [accountSubject(email), this.limits.perAccount],
      [addressSubject(address), this.limits.perAddress],
    ];
    for (const [subject, limit] of checks) {
      const failures = await this.deps.failures.listSince(subject, since);
      if (failures.length < limit) continue;
      // The subject may try again once enough of its failures have left the window.
      const freedAt = Date.parse(failures[failures.length - limit] ?? since) + this.limits.windowMs;
      const minutes = Math.max(1, Math.ceil((freedAt - now) / 60_000));
      throw new VitrailError('VITRAIL_AUTH_TOO_MANY_ATTEMPTS', { minutes });
    }
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await this.deps.failures.record([accountSubject(email), addressSubject(address)], this.deps.clock.now().toISOString());
  }

  /** Forgets the account's failures after a successful sign-in; the address keeps its count. */
  async recordSuccess(email: string): Promise<void> {
    await this.deps.failures.clear(accountSubject(email));
  }

  /** Deletes failures older than the window, which no longer count. */
  async deleteOutdated(): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - this.limits.windowMs).toISOString();
    return this.deps.failures.deleteBefore(before);
  }
}

function accountSubject(email: string): string {
  return `account:${email.trim().toLowerCase()}`;
}

function addressSubject(address: string): string {
  return `address:${address}`;
}
