import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_IMAGE_CONCURRENCY,
  DEFAULT_MAX_IMAGE_PIXELS,
  DEFAULT_RENDITION_MAX_WIDTH,
  DEFAULT_VARIANTS_PER_MEDIA,
  loadSettings,
  SettingsError,
} from '../../src/config/settings.js';

describe('image settings', () => {
  it('have defaults', () => {
    const settings = loadSettings({}, '/srv');
    assert.equal(settings.maxImagePixels, DEFAULT_MAX_IMAGE_PIXELS);
    assert.equal(settings.imageConcurrency, DEFAULT_IMAGE_CONCURRENCY);
    assert.equal(settings.renditionMaxWidth, DEFAULT_RENDITION_MAX_WIDTH);
    assert.equal(settings.variantsPerMedia, DEFAULT_VARIANTS_PER_MEDIA);
  });

  it('read their variables', () => {
    const settings = loadSettings(
      { VITRAIL_MAX_IMAGE_PIXELS: '50000000', VITRAIL_IMAGE_CONCURRENCY: '4', VITRAIL_RENDITION_MAX_WIDTH: '1600', VITRAIL_VARIANTS_PER_MEDIA: '0' },
      '/srv',
    );
    assert.deepEqual(
      [settings.maxImagePixels, settings.imageConcurrency, settings.renditionMaxWidth, settings.variantsPerMedia],
      [50_000_000, 4, 1600, 0],
    );
  });

  it('name the variable, the value and what is allowed when invalid', () => {
    assert.throws(
      () => loadSettings({ VITRAIL_IMAGE_CONCURRENCY: '0', VITRAIL_RENDITION_MAX_WIDTH: 'wide' }, '/srv'),
      (error) =>
        error instanceof SettingsError &&
        error.problems.length === 2 &&
        /VITRAIL_IMAGE_CONCURRENCY="0" is invalid: expected a number of images from 1 to 64/.test(error.message) &&
        /VITRAIL_RENDITION_MAX_WIDTH="wide" is invalid: expected a width in pixels/.test(error.message),
    );
  });
});
