import i18next from 'i18next';

import { describeAcceptedTypes } from './accepted-types';
import { ApiError } from './api';
import { CopyRefusedError } from './snippets';

/**
 * Returns the message to show for a failed call. It is the translation of the error's code when there is
 * one, so a French user reads French. Otherwise it is the server's own message, in English, or a generic one.
 */
export function describeError(error: unknown, values: Record<string, unknown> = {}): string {
  if (error instanceof ApiError) {
    const key = `errors.${error.code}`;
    if (i18next.exists(key)) return i18next.t(key, { ...error.details, ...valuesOf(error), ...values });
    if (error.message !== '') return error.message;
    return i18next.t('errors.unexpected', { status: error.status });
  }
  if (error instanceof CopyRefusedError) return i18next.t('errors.copy');
  if (error instanceof TypeError) return i18next.t('errors.network');
  return i18next.t('errors.unexpected', { status: '?' });
}

/**
 * Returns what a message needs beyond the error's own members. A rejected type gets the message variant
 * that lists the accepted types in words, when the server sent them (servers before this member did not).
 */
function valuesOf(error: ApiError): Record<string, unknown> {
  const allowed = error.details.allowedTypes;
  if (error.code !== 'VITRAIL_MEDIA_TYPE_NOT_ALLOWED' || !Array.isArray(allowed)) return {};
  const types = allowed.filter((type): type is string => typeof type === 'string');
  return types.length === 0 ? {} : { context: 'listed', accepted: describeAcceptedTypes(types) };
}
