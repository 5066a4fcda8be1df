import { randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import type { Database } from '../db/database.js';
import type { Clock } from '../time/clock.js';

/** Summary of a task run as plain JSON, logged and kept in the task's lease row. */
export type TaskOutcome = Readonly<Record<string, unknown>>;

export interface MaintenanceTask {
  /** Stable name, the key of the task's lease row. */
  readonly name: string;
  /** Time between the starts of two runs, in milliseconds. */
  readonly intervalMs: number;
  /** How long a run may hold the task before another instance presumes it dead, in milliseconds. */
  readonly leaseMs: number;
  run(now: Date): Promise<TaskOutcome>;
}

/** Default lease: longer than any task's normal run, short enough for another instance to take over. */
const DEFAULT_LEASE_MS = 60 * 60_000;
/** How often the scheduler looks for due tasks, in milliseconds. */
const DEFAULT_TICK_MS = 30_000;

/** Builds a task; `run` returns what it did, such as `{ removed: 3 }`. */
export function maintenanceTask(
  name: string,
  intervalMs: number,
  run: (now: Date) => Promise<TaskOutcome>,
  leaseMs = DEFAULT_LEASE_MS,
): MaintenanceTask {
  return { name, intervalMs, leaseMs, run };
}

export interface MaintenanceSchedulerDependencies {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Identifies this instance in lease rows; random by default. */
  readonly holderId?: string;
  readonly tickMs?: number;
}

export interface TaskRun {
  readonly task: string;
  readonly outcome: TaskOutcome | null;
  readonly error: string | null;
}

/**
 * Runs registered tasks on their intervals inside the server process. Instances sharing a database run
 * each due task once between them: a run starts only after an atomic update claims the task's lease row,
 * which succeeds for one instance and only when the interval has passed since the last start.
 */
export class MaintenanceScheduler {
  private readonly tasks: MaintenanceTask[] = [];
  private readonly holderId: string;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: MaintenanceSchedulerDependencies) {
    this.holderId = deps.holderId ?? randomUUID();
  }

  register(task: MaintenanceTask): this {
    this.tasks.push(task);
    return this;
  }

  get taskNames(): readonly string[] {
    return this.tasks.map((task) => task.name);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.pass = this.pass.then(() => this.runDue());
    }, this.deps.tickMs ?? DEFAULT_TICK_MS);
    // The schedule never keeps a stopping process alive.
    this.timer.unref();
    this.deps.logger.info({ tasks: this.tasks.map((task) => ({ name: task.name, intervalMs: task.intervalMs })) }, 'maintenance scheduler started');
  }

  /** Stops scheduling and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }

  /** Runs, one after another, every task that is due and that this instance manages to claim. */
  async runDue(): Promise<TaskRun[]> {
    const runs: TaskRun[] = [];
    for (const task of this.tasks) {
      try {
        if (!(await this.claim(task))) continue;
      } catch (error) {
        this.deps.logger.error({ err: error, task: task.name }, 'maintenance task could not be claimed');
        continue;
      }
      runs.push(await this.runClaimed(task));
    }
    return runs;
  }

  private async claim(task: MaintenanceTask): Promise<boolean> {
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const dueBefore = new Date(now.getTime() - task.intervalMs).toISOString();
    await this.deps.db
      .insertInto('maintenance_leases')
      .values({ task: task.name, holder: null, lease_expires_at: null, last_started_at: null, last_finished_at: null, last_outcome: null })
      .onConflict((conflict) => conflict.column('task').doNothing())
      .execute();
    const result = await this.deps.db
      .updateTable('maintenance_leases')
      .set({ holder: this.holderId, lease_expires_at: new Date(now.getTime() + task.leaseMs).toISOString(), last_started_at: nowIso })
      .where('task', '=', task.name)
      .where((eb) => eb.or([eb('holder', 'is', null), eb('lease_expires_at', '<', nowIso)]))
      .where((eb) => eb.or([eb('last_started_at', 'is', null), eb('last_started_at', '<=', dueBefore)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private async runClaimed(task: MaintenanceTask): Promise<TaskRun> {
    const started = Date.now();
    let run: TaskRun;
    try {
      const outcome = await task.run(this.deps.clock.now());
      this.deps.logger.info({ task: task.name, durationMs: Date.now() - started, ...outcome }, 'maintenance task finished');
      run = { task: task.name, outcome, error: null };
    } catch (error) {
      this.deps.logger.error({ err: error, task: task.name, durationMs: Date.now() - started }, 'maintenance task failed');
      run = { task: task.name, outcome: null, error: (error as Error).message };
    }
    try {
      await this.deps.db
        .updateTable('maintenance_leases')
        .set({
          holder: null,
          lease_expires_at: null,
          last_finished_at: this.deps.clock.now().toISOString(),
          last_outcome: JSON.stringify(run.error === null ? run.outcome : { error: run.error }),
        })
        .where('task', '=', task.name)
        .where('holder', '=', this.holderId)
        .execute();
    } catch (error) {
      this.deps.logger.error({ err: error, task: task.name }, 'maintenance task lease could not be released');
    }
    return run;
  }
}
