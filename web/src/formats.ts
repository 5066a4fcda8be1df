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
