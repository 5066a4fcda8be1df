import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

/**
 * The baseline a typical Node media server gives: Fastify with @fastify/static on its defaults,
 * serving a directory under /f/. Usage: node static-server.js <directory> <port>
 */
const [directory, port] = process.argv.slice(2);
if (directory === undefined || port === undefined) throw new Error('usage: static-server.js <directory> <port>');

const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root: directory, prefix: '/f/' });
await app.listen({ host: '127.0.0.1', port: Number(port) });
