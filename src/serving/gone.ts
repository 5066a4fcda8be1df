import type { FastifyReply } from 'fastify';

import { loadSharp } from '../images/sharp-module.js';

import { VitrailError } from '../errors/catalogue.js';
import { PUBLIC_CACHE_CONTROL } from './representation.js';

/** Light grey: in a mail, a deleted image shows as a blank frame instead of a broken-image icon. */
const PLACEHOLDER_COLOUR = { r: 238, g: 238, b: 238 };
const PLACEHOLDER_SIZE_PX = 16;

let placeholder: Promise<Buffer> | undefined;

/** The placeholder PNG, made once per process; its bytes never change, so it is safe to share. */
export function gonePlaceholderImage(): Promise<Buffer> {
  placeholder ??= loadSharp().then((sharp) =>
    sharp({
      create: { width: PLACEHOLDER_SIZE_PX, height: PLACEHOLDER_SIZE_PX, channels: 3, background: PLACEHOLDER_COLOUR },
    })
      .png({ compressionLevel: 9 })
      .toBuffer(),
  );
  return placeholder;
}

/**
 * Answers 410 Gone for a media in the trash or purged. An image gets the placeholder as its body, with the
 * usual public cache lifetime, because a restored media must come back; any other type gets the JSON error.
 */
export async function sendGone(reply: FastifyReply, id: string, wasImage: boolean, method: string): Promise<FastifyReply> {
  if (!wasImage) throw new VitrailError('VITRAIL_MEDIA_GONE', { id });
  const body = await gonePlaceholderImage();
  reply.code(410).headers({
    'content-type': 'image/png',
    'content-length': String(body.length),
    'cache-control': PUBLIC_CACHE_CONTROL,
    'x-content-type-options': 'nosniff',
  });
  return method === 'HEAD' ? reply.send() : reply.send(body);
}
