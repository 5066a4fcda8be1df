export interface DecodedDataUrl {
  readonly mime: string;
  readonly bytes: Buffer;
}

export function isDataUrl(url: string): boolean {
  return url.trim().slice(0, 5).toLowerCase() === 'data:';
}

/**
 * Decodes a `data:` URL with Node's fetch (undici), which implements the Fetch standard's data: URL
 * processor, base64 and percent-encoding included. No network is involved. Returns null for a malformed URL.
 */
export async function decodeDataUrl(url: string): Promise<DecodedDataUrl | null> {
  try {
    const response = await fetch(url.trim());
    const mime = (response.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]?.trim() ?? '';
    return { mime, bytes: Buffer.from(await response.arrayBuffer()) };
  } catch {
    return null;
  }
}
