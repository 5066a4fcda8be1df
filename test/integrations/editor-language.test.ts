import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { chooseEditorLanguage } from '../../src/integrations/editor-language.js';

describe('chooseEditorLanguage', () => {
  const cases: [string | undefined, string | undefined, 'fr' | 'en'][] = [
    ['en', 'fr-FR', 'en'],
    ['en-gb', undefined, 'en'],
    ['fr', 'en-US', 'fr'],
    ['de', 'en-US,en;q=0.9', 'en'],
    [undefined, 'en-US,en;q=0.9,fr;q=0.8', 'en'],
    [undefined, 'fr-CH, fr;q=0.9, en;q=0.8', 'fr'],
    [undefined, 'de-DE, en;q=0.4, fr;q=0.5', 'fr'],
    [undefined, 'fr;q=0, en;q=0.1', 'en'],
    [undefined, 'de-DE', 'fr'],
    [undefined, undefined, 'fr'],
    [undefined, '', 'fr'],
    ['', 'en', 'en'],
  ];
  for (const [langCode, acceptLanguage, expected] of cases) {
    it(`picks ${expected} for langCode=${String(langCode)} and Accept-Language=${String(acceptLanguage)}`, () => {
      assert.equal(chooseEditorLanguage(langCode, acceptLanguage), expected);
    });
  }
});
