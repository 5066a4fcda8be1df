import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cleanFileName, foldForSearch, MAX_NAME_BYTES } from '../../src/media/file-names.js';
import { startsWithSvgRoot } from '../../src/media/media-types.js';

describe('cleanFileName', () => {
  it('drops control characters, including line breaks', () => {
    assert.equal(cleanFileName('a\r\nb\u0000c\u007f.pdf', 'pdf'), 'abc.pdf');
  });

  it('names a file that has nothing left', () => {
    assert.equal(cleanFileName('../..', 'pdf'), 'file.pdf');
    assert.equal(cleanFileName('', 'jpg'), 'file.jpg');
  });

  it('never cuts a character in two', () => {
    const name = cleanFileName(`${'日'.repeat(200)}.jpg`, 'jpg');
    assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES);
    assert.ok(name.endsWith('.jpg'));
    assert.equal(Buffer.from(name).toString(), name);
  });
});

describe('foldForSearch', () => {
  it('removes accents and case', () => {
    assert.equal(foldForSearch('Église Saint-Étienne'), 'eglise saint-etienne');
    assert.equal(foldForSearch('Cafe\u0301'), 'cafe');
  });
});

describe('startsWithSvgRoot', () => {
  it('finds the root after a declaration, comments and a doctype', () => {
    const svg = '\uFEFF<?xml version="1.0"?>\n<!-- logo -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg width="1">';
    assert.equal(startsWithSvgRoot(svg), true);
  });

  it('rejects other XML and HTML', () => {
    assert.equal(startsWithSvgRoot('<?xml version="1.0"?><html><svg></svg></html>'), false);
    assert.equal(startsWithSvgRoot('<svgx>'), false);
  });
});
