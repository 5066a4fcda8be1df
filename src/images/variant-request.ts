import { VitrailError } from '../errors/catalogue.js';
import { FIT_MODES, OUTPUT_FORMATS, type FitMode, type ImageOperation, type OutputFormat } from './image-processor.js';

/** Maximum side of a variant, in pixels: more than six 600 px mail columns, wider than any layout. */
export const MAX_VARIANT_SIDE = 4000;
/** Maximum pixels in a variant (16 megapixels), whatever the parameters request. */
export const MAX_VARIANT_PIXELS = 16_000_000;

const DEFAULT_QUALITY: Readonly<Record<OutputFormat, number>> = { jpeg: 82, png: 100, gif: 100, webp: 80, avif: 60 };
const FORMAT_ALIASES: Readonly<Record<string, OutputFormat>> = { jpg: 'jpeg' };
const FORMAT_OF_MIME: Readonly<Record<string, OutputFormat>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** The parameters that ask for a variant; every other query parameter (utm_source, …) is ignored. */
const VARIANT_PARAMETERS = ['w', 'h', 'fit', 'format', 'q', 'enlarge', 'method', 'width', 'height'] as const;

/** A variant as asked on a public URL, before the source image is known. */
export interface VariantRequest {
  readonly width?: number;
  readonly height?: number;
  readonly fit: FitMode;
  readonly enlarge: boolean;
  readonly format?: OutputFormat;
  readonly quality?: number;
}

type Query = Readonly<Record<string, unknown>>;

/**
 * Reads the variant parameters of a public URL; null when there are none. Two forms are accepted:
 * `w`, `h`, `fit`, `enlarge`, and the one Mosaico appends to image URLs, `method=resize|cover&width=W&height=H`,
 * where a missing size is empty or the word "null". `format` and `q` go with either. The Accept header
 * never takes part: the URL alone decides, so every cache between a mail client and Vitrail stays right.
 */
export function parseVariantQuery(query: Query): VariantRequest | null {
  const present = VARIANT_PARAMETERS.filter((name) => query[name] !== undefined);
  if (present.length === 0) return null;
  const value = (name: (typeof VARIANT_PARAMETERS)[number]): string | undefined => {
    const raw = query[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') invalid(`the parameter "${name}" is given more than once`);
    return raw.trim();
  };

  const format = readFormat(value('format'));
  const quality = readInteger('q', value('q'), 1, 100);
  const method = value('method');
  if (method !== undefined) {
    for (const name of ['w', 'h', 'fit', 'enlarge'] as const) {
      if (query[name] !== undefined) invalid(`"${name}" cannot be combined with "method"; use "width" and "height" with it`);
    }
    return readMosaicoForm(method, value('width'), value('height'), format, quality);
  }

  const fitRaw = value('fit');
  if (fitRaw !== undefined && !(FIT_MODES as readonly string[]).includes(fitRaw)) {
    invalid(`fit must be one of ${FIT_MODES.join(', ')}, not "${fitRaw}"`);
  }
  const fit = (fitRaw ?? 'inside') as FitMode;
  const enlargeRaw = value('enlarge');
  if (enlargeRaw !== undefined && !['0', '1', 'true', 'false'].includes(enlargeRaw)) {
    invalid(`enlarge must be 1 or 0, not "${enlargeRaw}"`);
  }
  return {
    width: readInteger('w', value('w'), 1, MAX_VARIANT_SIDE),
    height: readInteger('h', value('h'), 1, MAX_VARIANT_SIDE),
    fit,
    enlarge: enlargeRaw === '1' || enlargeRaw === 'true',
    format,
    quality,
  };
}

/**
 * Mosaico requests the exact sizes its templates need (534, 258, …), so both of its methods honour them
 * exactly, enlarging if the image is smaller: `cover` crops to W×H, `resize` scales to W wide or H high.
 */
function readMosaicoForm(
  method: string,
  widthRaw: string | undefined,
  heightRaw: string | undefined,
  format: OutputFormat | undefined,
  quality: number | undefined,
): VariantRequest {
  const size = (name: string, raw: string | undefined) =>
    raw === undefined || raw === '' || raw === 'null' ? undefined : readInteger(name, raw, 1, MAX_VARIANT_SIDE);
  const width = size('width', widthRaw);
  const height = size('height', heightRaw);
  if (method === 'cover') {
    if (width === undefined || height === undefined) invalid('method=cover needs both width and height');
    return { width, height, fit: 'cover', enlarge: true, format, quality };
  }
  if (method === 'resize') {
    if (width === undefined && height === undefined) invalid('method=resize needs width, height or both');
    return { width, height, fit: 'inside', enlarge: true, format, quality };
  }
  return invalid(`method must be resize or cover, not "${method}"`);
}

/** Facts of a variant's source: its dimensions bound the output, its served type gives the default format. */
export interface VariantSourceFacts {
  readonly width: number;
  readonly height: number;
  /** Type of the bytes the public URL serves without parameters. */
  readonly servedMime: string;
}

/**
 * Turns a request into the operation to run on a given source, and rejects an output above
 * MAX_VARIANT_PIXELS. The default format is the one the public URL serves (PNG for an SVG).
 */
export function toVariantOperation(request: VariantRequest, source: VariantSourceFacts): ImageOperation {
  const format = request.format ?? FORMAT_OF_MIME[source.servedMime] ?? 'png';
  const { width, height } = expectedSize(request, source);
  if (width * height > MAX_VARIANT_PIXELS) {
    invalid(`the variant would be ${width}×${height} pixels, more than ${MAX_VARIANT_PIXELS}; ask for a smaller w or h`);
  }
  return {
    width: request.width,
    height: request.height,
    fit: request.fit,
    enlarge: request.enlarge,
    format,
    quality: request.quality ?? DEFAULT_QUALITY[format],
    animated: true,
  };
}

/** Builds the canonical text of an operation, the key of a stored variant: equal operations get equal keys. */
export function variantKey(operation: ImageOperation): string {
  return [
    `w=${operation.width ?? ''}`,
    `h=${operation.height ?? ''}`,
    `fit=${operation.fit}`,
    `enlarge=${operation.enlarge ? 1 : 0}`,
    `format=${operation.format}`,
    `q=${operation.quality}`,
  ].join(';');
}

/** Computes the output size of a request as sharp does, so oversized outputs are rejected before decoding. */
function expectedSize(request: VariantRequest, source: VariantSourceFacts): { width: number; height: number } {
  const { width, height } = request;
  if (width === undefined && height === undefined) return { width: source.width, height: source.height };
  if (width !== undefined && height !== undefined && request.fit !== 'inside') {
    // `contain` pads to the whole box even when the image itself is not enlarged; `cover` crops to it.
    if (request.enlarge || request.fit === 'contain') return { width, height };
    return { width: Math.min(width, source.width), height: Math.min(height, source.height) };
  }
  const scales = [width === undefined ? Infinity : width / source.width, height === undefined ? Infinity : height / source.height];
  const scale = request.enlarge ? Math.min(...scales) : Math.min(1, ...scales);
  return { width: Math.max(1, Math.round(source.width * scale)), height: Math.max(1, Math.round(source.height * scale)) };
}

function readFormat(raw: string | undefined): OutputFormat | undefined {
  if (raw === undefined) return undefined;
  const format = FORMAT_ALIASES[raw.toLowerCase()] ?? raw.toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) invalid(`format must be one of ${OUTPUT_FORMATS.join(', ')}, not "${raw}"`);
  return format as OutputFormat;
}

function readInteger(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) invalid(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}

function invalid(reason: string): never {
  throw new VitrailError('VITRAIL_VARIANT_INVALID', { reason });
}
