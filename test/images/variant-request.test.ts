import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VitrailError } from '../../src/errors/catalogue.js';
import { MAX_VARIANT_PIXELS, parseVariantQuery, toVariantOperation, variantKey } from '../../src/images/variant-request.js';

const source = { width: 800, height: 600, servedMime: 'image/jpeg' };

describe('parseVariantQuery', () => {
  it('returns null when no variant parameter is present', () => {
    assert.equal(parseVariantQuery({}), null);
    assert.equal(parseVariantQuery({ utm_source: 'civicrm', utm_medium: 'email' }), null);
  });

  it('reads w, h, fit, enlarge, format and q', () => {
    assert.deepEqual(parseVariantQuery({ w: '400', h: '300', fit: 'cover', enlarge: '1', format: 'jpg', q: '70' }), {
      width: 400,
      height: 300,
      fit: 'cover',
      enlarge: true,
      format: 'jpeg',
      quality: 70,
    });
  });

  it("reads Mosaico's form, where a missing size is the word null", () => {
    assert.deepEqual(parseVariantQuery({ method: 'resize', width: '258', height: 'null' }), {
      width: 258,
      height: undefined,
      fit: 'inside',
      enlarge: true,
      format: undefined,
      quality: undefined,
    });
    assert.equal(parseVariantQuery({ method: 'cover', width: '534', height: '258' })?.fit, 'cover');
  });

  it('refuses values outside the rules with VITRAIL_VARIANT_INVALID', () => {
    for (const query of [{ w: '-1' }, { w: '1.5' }, { h: '4001' }, { fit: 'fill' }, { format: 'tiff' }, { q: '0' }, { w: ['1', '2'] }, { method: 'cover', w: '10' }]) {
      assert.throws(
        () => parseVariantQuery(query),
        (error) => error instanceof VitrailError && error.code === 'VITRAIL_VARIANT_INVALID',
        JSON.stringify(query),
      );
    }
  });
});

describe('toVariantOperation', () => {
  it('defaults to the served format', () => {
    assert.equal(toVariantOperation({ width: 100, fit: 'inside', enlarge: false }, source).format, 'jpeg');
    assert.equal(toVariantOperation({ width: 100, fit: 'inside', enlarge: false }, { ...source, servedMime: 'image/svg+xml' }).format, 'png');
  });

  it('refuses an output above the pixel cap before any decoding', () => {
    const strip = { width: 10, height: 4000, servedMime: 'image/png' };
    assert.throws(() => toVariantOperation({ width: 4000, fit: 'inside', enlarge: true }, strip), /more than 16000000/);
    assert.doesNotThrow(() => toVariantOperation({ width: 4000, fit: 'inside', enlarge: false }, strip));
    assert.ok(4000 * 4000 <= MAX_VARIANT_PIXELS);
  });

  it('gives equal operations equal keys, and different ones different keys', () => {
    const a = toVariantOperation({ width: 100, fit: 'inside', enlarge: false }, source);
    const b = toVariantOperation({ width: 100, fit: 'inside', enlarge: false, format: 'jpeg', quality: 82 }, source);
    const c = toVariantOperation({ width: 101, fit: 'inside', enlarge: false }, source);
    assert.equal(variantKey(a), variantKey(b));
    assert.notEqual(variantKey(a), variantKey(c));
  });
});
