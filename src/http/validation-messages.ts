import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';

/** The part of a request that a schema checked, as Fastify names it. */
type RequestPart = 'body' | 'querystring' | 'params' | 'headers';

const PART_NAMES: Record<RequestPart, { readonly whole: string; readonly member: string }> = {
  body: { whole: 'the JSON body', member: 'field' },
  querystring: { whole: 'the query string', member: 'parameter' },
  params: { whole: 'the URL', member: 'segment' },
  headers: { whole: 'the headers', member: 'header' },
};

/** JSON Schema types in words, for "must be …". */
const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
};

/**
 * Turns the first failure of a route's schema into a reason a client can act on: which field, what was
 * wrong with it, and the accepted values or names where the schema lists them. Ajv's own text ("body must
 * NOT have additional properties") names neither the field nor what to send instead.
 */
export function describeValidationFailure(
  failure: FastifySchemaValidationError,
  part: string | undefined,
  request: FastifyRequest | undefined,
): string {
  const names = PART_NAMES[(part ?? 'body') as RequestPart] ?? PART_NAMES.body;
  const schema = schemaOf(request, part);
  const known = Object.keys(schema?.properties ?? {});
  // The names the schema accepts, when it lists them, to end a message.
  const listKnown = known.length === 0 ? '' : `: ${listOf(known)}`;
  const useKnown = known.length === 0 ? '' : `: use ${listOf(known)}`;
  const field = failure.instancePath.split('/').filter((segment) => segment !== '').join('.');
  const subject = field === '' ? names.whole : `"${field}"`;
  const params = failure.params as Record<string, unknown>;

  switch (failure.keyword) {
    case 'additionalProperties':
      return `${names.whole} has an unknown ${names.member} "${String(params.additionalProperty)}"${useKnown}`;
    case 'required':
      return `${names.whole} lacks the ${names.member} "${String(params.missingProperty)}"`;
    case 'minProperties':
      return `${names.whole} must set at least one ${names.member}${listKnown}`;
    case 'enum':
      return `${subject} must be one of ${listOf(params.allowedValues)}, not ${quoted(valueAt(request, part, failure.instancePath))}`;
    case 'type':
      return `${subject} must be ${TYPE_WORDS[String(params.type)] ?? String(params.type)}, not ${quoted(valueAt(request, part, failure.instancePath))}`;
    case 'minLength':
      return params.limit === 1 ? `${subject} must not be empty` : `${subject} must have at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `${subject} must have at most ${String(params.limit)} characters`;
    case 'minimum':
      return `${subject} must be at least ${String(params.limit)}`;
    case 'maximum':
      return `${subject} must be at most ${String(params.limit)}`;
    default:
      return `${subject} ${failure.message ?? 'is invalid'}`;
  }
}

interface ObjectSchema {
  readonly properties?: Record<string, unknown>;
}

function schemaOf(request: FastifyRequest | undefined, part: string | undefined): ObjectSchema | undefined {
  const schemas = request?.routeOptions.schema as Record<string, unknown> | undefined;
  const schema = part === undefined ? undefined : schemas?.[part];
  return typeof schema === 'object' && schema !== null ? (schema as ObjectSchema) : undefined;
}

function listOf(values: unknown): string {
  const items = Array.isArray(values) ? values.map(String) : [];
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}

/** Returns the value the client sent at a JSON pointer of the checked part, for the message. */
function valueAt(request: FastifyRequest | undefined, part: string | undefined, pointer: string): unknown {
  const parts: Record<string, unknown> = { body: request?.body, querystring: request?.query, params: request?.params, headers: request?.headers };
  let value = part === undefined ? undefined : parts[part];
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return value;
}

/** Formats a sent value for the message: as JSON, cut short so that a long value does not fill it. */
function quoted(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
