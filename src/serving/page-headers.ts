/**
 * Content-Security-Policy of hosted pages. `sandbox` without `allow-scripts` and `allow-same-origin` runs
 * the page in an opaque origin with no script at all, whatever slipped past the cleaning. The `allow-popups*`
 * and `allow-top-navigation-by-user-activation` tokens keep the mailing's links working, `target="_blank"`
 * included. Images, styles and fonts may come from anywhere, because mailings link them from their senders.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  'sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation',
  "default-src 'none'",
  'img-src http: https: data:',
  "style-src 'unsafe-inline' http: https:",
  'font-src http: https: data:',
  'media-src http: https:',
  "form-action 'none'",
  "base-uri 'none'",
].join('; ');

/** Seconds a browser or a cache may keep a page before checking it again: a replacement shows within a minute. */
const PAGE_MAX_AGE_SECONDS = 60;

/** Response headers of a hosted page, for readers and for the preview alike. */
export function pageHeaders(options: { readonly etag: string; readonly indexable: boolean; readonly cacheable: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    // The page URL is unguessable on purpose: do not hand it to every site the reader follows a link to.
    'referrer-policy': 'no-referrer',
    etag: options.etag,
    'cache-control': options.cacheable ? `public, max-age=${PAGE_MAX_AGE_SECONDS}` : 'private, no-store',
  };
  if (!options.indexable) headers['x-robots-tag'] = 'noindex';
  return headers;
}
