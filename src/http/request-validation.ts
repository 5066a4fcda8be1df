import AjvCompiler from '@fastify/ajv-compiler';

type ValidatorFactory = AjvCompiler.ValidatorFactory;

/**
 * Builds Fastify's schema validators with type coercion for the query string, URL segments and headers,
 * which arrive as text, but none for JSON bodies. Fastify's default coerces every part, so a JSON body
 * with `"name": 42` renamed a media to "42" where it should have been rejected.
 */
export function partAwareValidators(): ValidatorFactory {
  const fromPool = AjvCompiler();
  return (externalSchemas, options) => {
    const coercing = fromPool(externalSchemas, options);
    // Fastify passes Ajv options here, never JTD ones.
    const ajvOptions = options as { customOptions?: Record<string, unknown> } | undefined;
    const strict = fromPool(externalSchemas, { ...ajvOptions, customOptions: { ...ajvOptions?.customOptions, coerceTypes: false } });
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
}
