/**
 * A failure of an administrative operation (backup, restore, check) that the operator can fix; the CLI
 * prints its message without a stack trace.
 */
export class OperationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationError';
  }
}
