import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { explainListenFailure } from '../../src/http/listen-failure.js';
import { OperationError } from '../../src/ops/operation-error.js';

const ADDRESS = { host: '192.0.2.7', port: 80, hostSetting: 'VITRAIL_HOST', portSetting: 'VITRAIL_PORT' };

function failure(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`listen ${code}`), { code });
}

describe('explainListenFailure', () => {
  it('names the port setting for a port in use', () => {
    const explained = explainListenFailure(failure('EADDRINUSE'), ADDRESS);
    assert.ok(explained instanceof OperationError);
    assert.match(explained.message, /^cannot listen on 192\.0\.2\.7:80: another program already uses this port/);
    assert.match(explained.message, /VITRAIL_PORT/);
  });

  it('explains a privileged port', () => {
    const explained = explainListenFailure(failure('EACCES'), ADDRESS);
    assert.ok(explained instanceof OperationError);
    assert.match(explained.message, /permission denied/);
    assert.match(explained.message, /VITRAIL_PORT to 1024 or above/);
  });

  it('names the host setting for a foreign address', () => {
    const explained = explainListenFailure(failure('EADDRNOTAVAIL'), ADDRESS);
    assert.ok(explained instanceof OperationError);
    assert.match(explained.message, /192\.0\.2\.7 is not an address of this machine/);
    assert.match(explained.message, /VITRAIL_HOST/);
  });

  it('keeps other errors as they are', () => {
    const other = failure('EMFILE');
    assert.equal(explainListenFailure(other, ADDRESS), other);
  });
});
