import i18next from 'i18next';

/** Formats a weight the way people read it: « 1,2 Mo » in French, "1.2 MB" in English. */
export function formatBytes(bytes: number): string {
  const units = i18next.t('units.bytes', { returnObjects: true }) as unknown as string[];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(i18next.language, { maximumFractionDigits: digits }).format(value)} ${units[unit] ?? ''}`;
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(i18next.language, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}

/**
 * Returns a URL as people read it, with percent-encoded spaces and accents decoded. decodeURI keeps the
 * escapes of reserved characters such as %2F and %3F, and a malformed escape returns the URL unchanged.
 */
export function readableUrl(url: string): string {
  try {
    return decodeURI(url);
  } catch (error) {
    if (error instanceof URIError) return url;
    throw error;
  }
}
