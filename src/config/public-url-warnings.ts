import { isIP } from 'node:net';

/**
 * Explains what is wrong with a public URL for links that go into mails: a loopback address reaches only
 * this machine, and plain http on a public name is refused or flagged by many mail clients.
 */
export function findPublicUrlWarnings(publicUrl: string): string[] {
  const url = new URL(publicUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const warnings: string[] = [];
  if (isLoopback(host)) {
    warnings.push(
      'VITRAIL_PUBLIC_URL points at this machine only: links handed out will not open for mail readers. ' +
        'Set it to the address readers use, such as https://media.example.org',
    );
  } else if (url.protocol === 'http:' && !isPrivateAddress(host)) {
    warnings.push('VITRAIL_PUBLIC_URL uses plain http on a public name: links in mails should use https with a trusted certificate');
  }
  return warnings;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}

function isPrivateAddress(host: string): boolean {
  if (isIP(host) === 0) return false;
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|f[cd][0-9a-f]{2}:|fe80:)/i.test(host);
}
