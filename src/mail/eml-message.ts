import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Attachment, Email } from 'postal-mime';

import { normaliseContentId, type ImageBytes } from './externalize-html.js';

/** Headers that describe the body's MIME structure; the rewritten message carries new ones. */
const BODY_STRUCTURE_HEADERS = new Set(['content-type', 'content-transfer-encoding', 'mime-version']);

export interface ParsedMessage {
  readonly email: Email;
  readonly html: string | null;
  resolveContentId(contentId: string): ImageBytes | null;
}

/** Parses a whole RFC 5322 message with postal-mime, keeping every part's bytes. */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  // Loaded on first use: an idle server does without the mail libraries.
  const { default: PostalMime } = await import('postal-mime');
  const email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  const byContentId = new Map<string, Attachment>();
  for (const attachment of email.attachments) {
    if (attachment.contentId !== undefined) byContentId.set(normaliseContentId(attachment.contentId), attachment);
  }
  return {
    email,
    html: email.html ?? null,
    resolveContentId: (contentId) => {
      const attachment = byContentId.get(contentId);
      if (attachment === undefined) return null;
      return { bytes: contentOf(attachment), fileName: attachment.filename ?? `${contentId.split('@')[0] ?? 'image'}.${attachment.mimeType.split('/')[1] ?? 'bin'}` };
    },
  };
}

/**
 * Builds the lighter message. The original header lines stay unchanged (From, To, Subject, Date,
 * Message-ID, List-Unsubscribe …). nodemailer's MailComposer rebuilds the body from the same text part, the
 * new HTML, and every attachment except the inline parts now linked as media.
 */
export async function rebuildMessage(parsed: ParsedMessage, html: string, movedContentIds: ReadonlySet<string>): Promise<Buffer> {
  const attachments: Mail.Attachment[] = parsed.email.attachments
    .filter((attachment) => attachment.contentId === undefined || !movedContentIds.has(normaliseContentId(attachment.contentId)))
    .map((attachment) => ({
      filename: attachment.filename ?? undefined,
      content: contentOf(attachment),
      contentType: attachment.mimeType,
      contentDisposition: attachment.disposition === 'inline' ? 'inline' : 'attachment',
      cid: attachment.contentId === undefined ? undefined : normaliseContentId(attachment.contentId),
    }));

  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  const composed = await new MailComposer({ text: parsed.email.text, html, attachments }).compile().build();
  const separator = composed.indexOf('\r\n\r\n');
  const composedHeaders = composed.subarray(0, separator).toString('latin1');
  const body = composed.subarray(separator + 4);

  const structure = composedHeaders
    .split(/\r\n(?![ \t])/)
    .filter((line) => BODY_STRUCTURE_HEADERS.has(line.slice(0, line.indexOf(':')).trim().toLowerCase()));
  const kept = parsed.email.headerLines
    .filter((header) => !BODY_STRUCTURE_HEADERS.has(header.key))
    .map((header) => header.line.replace(/\r?\n/g, '\r\n'));
  // postal-mime decodes raw header lines as UTF-8 (RFC 6532); ASCII lines come out unchanged either way.
  return Buffer.concat([Buffer.from([...kept, ...structure].join('\r\n'), 'utf8'), Buffer.from('\r\n\r\n'), body]);
}

/** Checks that a text starts with header fields ("Name: value"), at least one of which only messages carry. */
export function looksLikeMessage(start: string): boolean {
  const head = start.split(/\r?\n\r?\n/)[0] ?? '';
  if (!/^[!-9;-~]+:/.test(head)) return false;
  return /^(?:mime-version|content-type|from|received|return-path|message-id|subject):/im.test(head);
}

function contentOf(attachment: Attachment): Buffer {
  const content = attachment.content;
  if (typeof content === 'string') return Buffer.from(content, attachment.encoding === 'base64' ? 'base64' : 'utf8');
  if (content instanceof ArrayBuffer) return Buffer.from(content);
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}
