import { randomBytes } from 'node:crypto';

import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import sharp from 'sharp';

export interface InlineImage {
  readonly cid: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

export interface Mailing {
  readonly eml: Buffer;
  readonly html: string;
  readonly images: readonly InlineImage[];
}

/** Encodes random noise as JPEG, which does not compress away: about 0.33 MB at 600 by 600 pixels, quality 92. */
export async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}

/**
 * A mailing as CiviCRM or a mail client sends it: multipart/alternative with a text part and a
 * multipart/related HTML part whose three images are cid: parts, plus a PDF attachment that must stay.
 */
export async function buildMailing(): Promise<Mailing> {
  const images: InlineImage[] = [
    { cid: 'banniere@paroisse.example.org', fileName: 'bannière.jpg', bytes: await noiseJpeg(640, 560) },
    { cid: 'photo1@paroisse.example.org', fileName: 'photo1.jpg', bytes: await noiseJpeg(600, 600) },
    { cid: 'photo2@paroisse.example.org', fileName: 'photo2.jpg', bytes: await noiseJpeg(600, 600) },
  ];
  const html = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Nouvelles de la paroisse</title></head>
<body style="margin:0;background:#ffffff;font-family:sans-serif">
<table width="640" cellpadding="0" cellspacing="0" align="center">
  <tr><td><img src="cid:${images[0]?.cid}" style="display:block;width:320px" alt="Bannière"></td></tr>
  <tr><td><h1 style="color:#7a1f2b">Nouvelles de décembre</h1><p>Chers amis, voici les nouvelles.</p></td></tr>
  <tr><td><img src="cid:${images[1]?.cid}" width="300" height="300" alt="Photo 1"> <img src='cid:${images[2]?.cid}' STYLE="width: 150px; height: 150px" alt="Photo 2"></td></tr>
</table>
</body></html>`;
  const composer = new MailComposer({
    from: 'Paroisse Saint-Martin <contact@paroisse.example.org>',
    to: 'membres@paroisse.example.org',
    subject: 'Nouvelles de décembre',
    messageId: '<nouvelles-decembre@paroisse.example.org>',
    headers: { 'List-Unsubscribe': '<mailto:unsubscribe@paroisse.example.org>' },
    text: 'Chers amis, voici les nouvelles.',
    html,
    attachments: [
      ...images.map((image) => ({ cid: image.cid, filename: image.fileName, content: image.bytes, contentType: 'image/jpeg' })),
      { filename: 'programme.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n'), contentType: 'application/pdf' },
    ],
  });
  return { eml: await composer.compile().build(), html, images };
}
