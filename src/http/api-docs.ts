import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * Describes the HTTP API as OpenAPI, from the routes' own schemas: the document at /api/docs/json and a
 * browsable page at /api/docs. Must be registered before the routes it describes.
 */
export async function registerApiDocs(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vitrail API',
        version: '1',
        description:
          'Media server for e-mail campaigns. Errors are JSON `{"error":{"code","message"}}`; the codes are listed in docs/errors.md.',
      },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token from "vitrail token create"' } },
      },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
}
