import i18next from 'i18next';

import { ApiError } from './api';

/**
 * Returns the message to show for a failed call. It is the translation of the error's code when there is
 * one, so a French user reads French. Otherwise it is the server's own message, in English, or a generic one.
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
