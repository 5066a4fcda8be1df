import { VitrailError } from '../errors/catalogue.js';
import { MAX_VARIANT_SIDE } from '../images/variant-request.js';

/** Methods of Mosaico's image processor (its `imgProcessorBackend` setting). */
export type MosaicoMethod = 'resize' | 'cover' | 'placeholder';
const METHODS: readonly MosaicoMethod[] = ['resize', 'cover', 'placeholder'];

/** Largest side Mosaico may request, in pixels: the cap of every variant. */
export const MOSAICO_MAX_SIDE = MAX_VARIANT_SIDE;

/**
 * A request to Mosaico's image processor: `resize` fits the source within W×H (one side may be missing),
 * `cover` crops it to exactly W×H, and `placeholder` draws a grey W×H image with no source.
 */
export type MosaicoImageRequest =
  | { readonly method: 'resize'; readonly src: string; readonly width?: number; readonly height?: number }
  | { readonly method: 'cover'; readonly src: string; readonly width: number; readonly height: number }
  | { readonly method: 'placeholder'; readonly width: number; readonly height: number };

/**
 * Parses `?src=<url>&method=resize|cover|placeholder&params=W,H`, where Mosaico writes a missing side as
 * the literal `null` (`600,null`). Throws VITRAIL_MOSAICO_REQUEST_INVALID naming the wrong parameter.
 */
export function parseMosaicoImageQuery(query: Readonly<Record<string, unknown>>): MosaicoImageRequest {
  const method = single(query, 'method');
  if (method === undefined || !(METHODS as readonly string[]).includes(method)) {
    invalid(`method must be one of ${METHODS.join(', ')}, not ${method === undefined ? 'missing' : `"${method}"`}`);
  }
  const params = single(query, 'params');
  if (params === undefined) invalid('params is missing: send params=W,H, with null for a missing side, such as params=600,null');
  const sides = params.split(',');
  if (sides.length !== 2) invalid(`params must be two sides W,H, such as 600,null, not "${params}"`);
  const width = readSide('width', sides[0] ?? '');
  const height = readSide('height', sides[1] ?? '');

  if (method === 'placeholder') {
    if (width === undefined || height === undefined) invalid('method=placeholder needs both sides, such as params=600,400');
    return { method, width, height };
  }
  const src = single(query, 'src');
  if (src === undefined || src === '') invalid(`method=${method} needs src, the URL of a Vitrail media`);
  if (method === 'cover') {
    if (width === undefined || height === undefined) invalid('method=cover needs both sides, such as params=600,400');
    return { method, src, width, height };
  }
  if (width === undefined && height === undefined) invalid('method=resize needs at least one side, such as params=600,null');
  return { method: 'resize', src, width, height };
}

/** Builds the URL of the image processor for a source, as Mosaico writes it. */
export function mosaicoProcessorUrl(base: string, src: string, method: Exclude<MosaicoMethod, 'placeholder'>, width: number | null, height: number | null): string {
  const query = new URLSearchParams({ src, method, params: `${width ?? 'null'},${height ?? 'null'}` });
  return `${base}/integrations/mosaico/img?${query.toString()}`;
}

function single(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') invalid(`the parameter "${name}" is given more than once`);
  return raw.trim();
}

function readSide(name: string, raw: string): number | undefined {
  const text = raw.trim();
  if (text === 'null' || text === '') return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MOSAICO_MAX_SIDE) {
    invalid(`the ${name} must be a whole number of pixels from 1 to ${MOSAICO_MAX_SIDE}, or null, not "${raw}"`);
  }
  return value;
}

function invalid(reason: string): never {
  throw new VitrailError('VITRAIL_MOSAICO_REQUEST_INVALID', { reason });
}
