import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { reportFailure } from '../../src/cli/failure-report.js';
import { VitrailError } from '../../src/errors/catalogue.js';
import { OperationError } from '../../src/ops/operation-error.js';

/** Calls reportFailure and returns its exit status with what it wrote on standard error. */
function report(error: unknown): { status: number; output: string } {
  const write = process.stderr.write;
  let output = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { status: reportFailure(error), output };
  } finally {
    process.stderr.write = write;
  }
}

const STACK_FRAME = /\n\s+at /;

describe('reportFailure', () => {
  it('prints an expected error alone', () => {
    for (const error of [new OperationError('The backup is damaged'), new VitrailError('VITRAIL_USER_NOT_FOUND', { email: 'x@paroisse.fr' })]) {
      const { status, output } = report(error);
      assert.equal(status, 1);
      assert.equal(output, `error: ${error.message}\n`);
    }
  });

  it('prints a validation reason as a sentence', () => {
    const { status, output } = report(new VitrailError('VITRAIL_VALIDATION_FAILED', { reason: 'the role must be one of admin, editor, not "pope"' }));
    assert.equal(status, 1);
    assert.equal(output, 'error: The role must be one of admin, editor, not "pope".\n');
  });

  it('prints a system error without a stack', async () => {
    const error = await readFile('/nonexistent-vitrail-file').catch((caught: unknown) => caught);
    const { status, output } = report(error);
    assert.equal(status, 1);
    assert.match(output, /^error: ENOENT: no such file or directory, open '\/nonexistent-vitrail-file'\n$/);
  });

  it('adds a hint to a full disk', () => {
    const error = Object.assign(new Error("ENOSPC: no space left on device, write '/srv/backup.tar'"), { code: 'ENOSPC', syscall: 'write' });
    const { output } = report(error);
    assert.match(output, /no space left on device/);
    assert.match(output, /The disk is full: free some space/);
    assert.doesNotMatch(output, STACK_FRAME);
  });

  it('prints the stack of an unexpected error', () => {
    const cause = new RangeError('offset out of range');
    const { status, output } = report(new TypeError('Cannot read properties of undefined', { cause }));
    assert.equal(status, 1);
    assert.match(output, /^error: TypeError: Cannot read properties of undefined/);
    assert.match(output, STACK_FRAME);
    assert.match(output, /\[cause\]: RangeError: offset out of range/);
    assert.match(output, /may be a bug in Vitrail/);
  });

  it('prints a thrown string as unexpected', () => {
    const { status, output } = report('plain string');
    assert.equal(status, 1);
    assert.match(output, /^error: 'plain string'\n/);
  });
});
