import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';

import iconv from 'iconv-lite';

import { decodeZipName, isArchiverClutter, unsafeNameReason } from '../../src/pages/zip-names.js';

describe('decodeZipName', () => {
  it('reads flagged names as UTF-8', () => {
    assert.equal(decodeZipName({ fileName: Buffer.from('Noël.png'), generalPurposeBitFlag: 0x800, extraFields: [] }), 'Noël.png');
  });

  it('reads unflagged Windows names as CP850', () => {
    const raw = iconv.encode('Pâques à l’église.png'.replace('’', "'"), 'cp850');
    assert.equal(decodeZipName({ fileName: raw, generalPurposeBitFlag: 0, extraFields: [] }), "Pâques à l'église.png");
  });

  it('prefers a matching Unicode Path field', () => {
    const raw = Buffer.from('Nol.png');
    const data = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from('Noël.png')]);
    data.writeUInt32LE(crc32(raw), 1);
    assert.equal(decodeZipName({ fileName: raw, generalPurposeBitFlag: 0, extraFields: [{ id: 0x7075, data }] }), 'Noël.png');
  });

  it('ignores a stale Unicode Path field', () => {
    const raw = Buffer.from('Nol.png');
    const data = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), Buffer.from('Autre.png')]);
    assert.equal(decodeZipName({ fileName: raw, generalPurposeBitFlag: 0, extraFields: [{ id: 0x7075, data }] }), 'Nol.png');
  });
});

describe('unsafeNameReason', () => {
  const cases: [string, string | null][] = [
    ['images/a.png', null],
    ['..', 'goes up out of the archive with ".."'],
    ['a/../../b.html', 'goes up out of the archive with ".."'],
    ['..\\evil.html', 'goes up out of the archive with ".."'],
    ['/etc/passwd', 'is an absolute path'],
    ['C:\\Windows\\evil.html', 'is an absolute path'],
    ['a\u0000b', 'contains a NUL character'],
  ];
  for (const [name, reason] of cases) {
    it(`judges ${JSON.stringify(name)}`, () => {
      assert.equal(unsafeNameReason(name), reason);
    });
  }
});

describe('isArchiverClutter', () => {
  it('ignores macOS and Windows files', () => {
    assert.ok(isArchiverClutter('__MACOSX/images/._a.png'));
    assert.ok(isArchiverClutter('images/.DS_Store'));
    assert.ok(isArchiverClutter('Thumbs.db'));
    assert.ok(!isArchiverClutter('images/a.png'));
  });
});
