import type { Kysely } from 'kysely';

/**
 * One row per maintenance task: when it last ran and which instance holds it now. Instances sharing the
 * database claim a task by a conditional update of its row, so each run happens on one instance only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('maintenance_leases')
    .addColumn('task', 'text', (column) => column.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_started_at', 'text')
    .addColumn('last_finished_at', 'text')
    .addColumn('last_outcome', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('maintenance_leases').execute();
}
