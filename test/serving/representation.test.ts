import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeMedia, savedFileName } from '../../src/serving/representation.js';

describe('savedFileName', () => {
  it('keeps a name whose extension matches the type', () => {
    assert.equal(savedFileName('bulletin.pdf', 'application/pdf'), 'bulletin.pdf');
    assert.equal(savedFileName('Procession.JPEG', 'image/jpeg'), 'Procession.JPEG');
    assert.equal(savedFileName('logo.svg', 'image/svg+xml'), 'logo.svg');
  });

  it('keeps a name without a known extension', () => {
    assert.equal(savedFileName('compte rendu', 'application/pdf'), 'compte rendu');
    assert.equal(savedFileName('scan.zzz', 'image/png'), 'scan.zzz');
  });

  it('keeps a name that claims a type opened without script', () => {
    assert.equal(savedFileName('photo.jpg', 'application/pdf'), 'photo.jpg');
    assert.equal(savedFileName('chant.m4a', 'audio/x-m4a'), 'chant.m4a');
    assert.equal(savedFileName('compte-rendu.doc', 'application/x-cfb'), 'compte-rendu.doc');
    assert.equal(savedFileName('budget.xlsx', 'application/x-cfb'), 'budget.xlsx');
  });

  it('adds the served extension to a page or script name', () => {
    assert.equal(savedFileName('bulletin.html', 'application/pdf'), 'bulletin.html.pdf');
    assert.equal(savedFileName('page.htm', 'image/png'), 'page.htm.png');
    assert.equal(savedFileName('logo.svg', 'image/png'), 'logo.svg.png');
    assert.equal(savedFileName('flux.xml', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'), 'flux.xml.docx');
    assert.equal(savedFileName('notes.txt', 'application/pdf'), 'notes.txt.pdf');
    assert.equal(savedFileName('script.js', 'image/gif'), 'script.js.gif');
    assert.equal(savedFileName('archive.mht', 'application/pdf'), 'archive.mht.pdf');
  });

  it('adds .bin when the served type has no extension', () => {
    assert.equal(savedFileName('ancien.html', 'application/x-cfb'), 'ancien.html.bin');
  });
});

describe('describeMedia', () => {
  it('names a misnamed file by its type in Content-Disposition', () => {
    const representation = describeMedia({
      sha256: 'a'.repeat(64),
      size: 10,
      mime: 'application/pdf',
      name: 'bulletin été.html',
      visibility: 'public',
      created_at: '2026-01-01T00:00:00.000Z',
    });
    assert.equal(representation.headers['content-disposition'], `inline; filename="bulletin ete.html.pdf"; filename*=UTF-8''bulletin%20%C3%A9t%C3%A9.html.pdf`);
  });
});
