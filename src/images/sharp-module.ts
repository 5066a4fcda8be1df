import type sharpFunction from 'sharp';

let loading: Promise<typeof sharpFunction> | undefined;

/**
 * Loads sharp on first use. sharp and libvips take about 28 MiB of resident memory once loaded, which a
 * server that has not handled an image since it started does without.
 */
export function loadSharp(): Promise<typeof sharpFunction> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
