import i18next from 'i18next';

import { ApiError } from './api';

/**
 * The message to show for a failed call: the translation of the error's code when there is one, so a
 * French user reads French; else the server's own message, which is in English; else a generic one.
 */
export function describeError(error: unknown, values: Record<string, unknown> = {}): string {
  if (error instanceof ApiError) {
    const key = `errors.${error.code}`;
    if (i18next.exists(key)) return i18next.t(key, { ...error.details, ...values });
    if (error.message !== '') return error.message;
    return i18next.t('errors.unexpected', { status: error.status });
  }
  if (error instanceof TypeError) return i18next.t('errors.network');
  return i18next.t('errors.unexpected', { status: '?' });
}
