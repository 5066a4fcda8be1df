import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ImageFacts } from '../../src/images/image-processor.js';
import { planRendition } from '../../src/images/image-renditions.js';

const upright: ImageFacts = { width: 800, height: 600, frames: 1, hasAlpha: false, orientation: 1, hasMetadata: false, isPlainSrgb: true };

describe('planRendition', () => {
  it('keeps a small, upright, bare sRGB JPEG, PNG or GIF as it is', () => {
    for (const mime of ['image/jpeg', 'image/png', 'image/gif']) assert.equal(planRendition(mime, upright, 1200)?.originalFits, true, mime);
  });

  it('remakes images not mail-ready', () => {
    for (const facts of [
      { ...upright, width: 1201 },
      { ...upright, orientation: 6 },
      { ...upright, hasMetadata: true },
      { ...upright, isPlainSrgb: false },
    ]) {
      assert.equal(planRendition('image/jpeg', facts, 1200)?.originalFits, false, JSON.stringify(facts));
    }
    assert.equal(planRendition('image/jpeg', { ...upright, width: 4000 }, 1200)?.operation.width, 1200);
  });

  it('renders other types as JPEG, PNG when transparent, GIF when animated', () => {
    assert.equal(planRendition('image/heic', upright, 1200)?.operation.format, 'jpeg');
    assert.equal(planRendition('image/webp', { ...upright, hasAlpha: true }, 1200)?.operation.format, 'png');
    assert.equal(planRendition('image/webp', { ...upright, frames: 3 }, 1200)?.operation.format, 'gif');
    assert.equal(planRendition('image/tiff', upright, 1200)?.originalFits, false);
  });

  it('gives SVG no rendition', () => {
    assert.equal(planRendition('image/svg+xml', upright, 1200), null);
  });
});
