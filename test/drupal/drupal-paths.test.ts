import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeLegacyPath, isForbiddenFileName, parseDrupalUri, splitRelativePath } from '../../src/drupal/drupal-paths.js';

describe('Drupal paths', () => {
  it('parses stream wrapper URIs', () => {
    assert.deepEqual(parseDrupalUri('public://2022-11/affiche.jpg'), { scheme: 'public', path: '2022-11/affiche.jpg' });
    assert.deepEqual(parseDrupalUri('PRIVATE://a.pdf'), { scheme: 'private', path: 'a.pdf' });
    assert.equal(parseDrupalUri('/var/www/a.jpg'), null);
  });

  it('rejects paths leaving the files directory', () => {
    assert.deepEqual(splitRelativePath('a/b.jpg'), ['a', 'b.jpg']);
    for (const bad of ['', '../a', 'a/../../b', 'a//b', './a', '/a', 'a\\..\\b']) assert.equal(splitRelativePath(bad), null, bad);
  });

  it('recognises secret Drupal files in any case', () => {
    for (const name of ['.htaccess', 'sub/.htaccess', '.ht.sqlite', '.ht.sqlite-wal', '.HT.SQLITE-shm', 'x/.ht.sqlite.bak']) {
      assert.equal(isForbiddenFileName(name), true, name);
    }
    for (const name of ['htaccess.txt', 'a.ht.sqlite', 'photo.jpg']) assert.equal(isForbiddenFileName(name), false, name);
  });

  it('decodes legacy URL paths to NFC', () => {
    const composed = '2023-06/Fête été.jpg'.normalize('NFC');
    assert.equal(decodeLegacyPath('2023-06/F%C3%AAte%20%C3%A9t%C3%A9.jpg'), composed);
    assert.equal(decodeLegacyPath('2023-06/f%c3%aate%20%c3%a9t%c3%a9.jpg'), composed.replace('F', 'f'));
    assert.equal(decodeLegacyPath(encodeURI('2023-06/Fête été.jpg'.normalize('NFD'))), composed);
    assert.equal(decodeLegacyPath('a/%E9.jpg'), null, 'Latin-1 bytes are not UTF-8');
    assert.equal(decodeLegacyPath('a/%zz.jpg'), null);
  });
});
