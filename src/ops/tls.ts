import { readFileSync } from 'node:fs';

/** Fastify's `https` option from the certificate and key files, or nothing when TLS is off. */
export function httpsOptions(tls: { readonly certFile: string; readonly keyFile: string } | null): { https?: { cert: Buffer; key: Buffer } } {
  if (tls === null) return {};
  return { https: { cert: readPem(tls.certFile, 'VITRAIL_TLS_CERT'), key: readPem(tls.keyFile, 'VITRAIL_TLS_KEY') } };
}

function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${variable}=${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}
