import Fastify, { type FastifyInstance } from 'fastify';

import { listenOrExplain } from '../http/listen-failure.js';
import type { VitrailMetrics } from './metrics.js';

/** Label of requests that matched no route, so scanners cannot create a series per URL. */
const UNMATCHED_ROUTE = 'unmatched';

/** Counts every response by route pattern and status. The raw URL is never a label, since it contains media ids. */
export function registerHttpMetrics(app: FastifyInstance, metrics: VitrailMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    const length = Number(reply.getHeader('content-length'));
    if (Number.isFinite(length) && length > 0 && request.method !== 'HEAD') metrics.bytesServed.inc({ route }, length);
  });
}

/** `GET /metrics` in the Prometheus text format. */
export async function metricsRoutes(app: FastifyInstance, options: { readonly metrics: VitrailMetrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.header('content-type', options.metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}

/** Starts a separate listener for /metrics, on an address that only the monitoring reaches. */
export async function startMetricsListener(metrics: VitrailMetrics, host: string, port: number): Promise<{ address: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(metricsRoutes, { metrics });
  try {
    const address = await listenOrExplain(() => app.listen({ host, port }), { host, port, hostSetting: 'VITRAIL_METRICS_HOST', portSetting: 'VITRAIL_METRICS_PORT' });
    return { address, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}
