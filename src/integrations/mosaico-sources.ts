import { VitrailError } from '../errors/catalogue.js';
import { isMediaId } from '../media/media-ids.js';

/**
 * Returns the media id of an image processor `src`, which must be a public media URL of this server:
 * `<public URL>/m/<id>/<name>`, query string allowed. Any other URL is rejected, so the processor never
 * fetches from another host and cannot serve as an open proxy.
 */
export function mediaIdFromSource(src: string, publicBase: string): string {
  const reject = (): never => {
    throw new VitrailError('VITRAIL_MOSAICO_SOURCE_REJECTED', { src: src.slice(0, 300), base: publicBase });
  };
  let url: URL;
  try {
    url = new URL(src);
  } catch {
    return reject();
  }
  const base = new URL(`${publicBase}/`);
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') reject();
  const prefix = `${base.pathname}m/`;
  if (!url.pathname.startsWith(prefix)) reject();
  const id = url.pathname.slice(prefix.length).split('/')[0] ?? '';
  if (!isMediaId(id)) reject();
  return id;
}
