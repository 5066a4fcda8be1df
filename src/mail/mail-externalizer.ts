import type { Logger } from 'pino';

import type { Principal } from '../auth/principal.js';
import { VitrailError } from '../errors/catalogue.js';
import type { PublicImageImporter } from '../media/public-image-import.js';
import type { PublicLinks } from '../media/public-links.js';
import { looksLikeMessage, parseMessage, rebuildMessage } from './eml-message.js';
import { externalizeHtml, type ImageBytes, type MovedImage } from './externalize-html.js';

export type MailDocumentKind = 'html' | 'eml';

export interface MailDocument {
  readonly bytes: Buffer;
  readonly fileName: string;
  /** Reads a local image a relative reference names; only the command line has files to offer. */
  readonly resolveLocal?: (url: string) => Promise<ImageBytes | null>;
}

export interface ExternalizeReport {
  readonly kind: MailDocumentKind;
  readonly output: Buffer;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly images: readonly MovedImage[];
  readonly dimensionsAdded: number;
}

export interface MailExternalizerDependencies {
  readonly images: PublicImageImporter;
  readonly links: PublicLinks;
  readonly logger: Logger;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Makes mailings lighter: embedded images become public media that the mail links. */
export class MailExternalizer {
  constructor(private readonly deps: MailExternalizerDependencies) {}

  /** Rewrites an HTML mailing or a whole .eml message; the original is left untouched. */
  async externalizeMail(document: MailDocument, principal: Principal): Promise<ExternalizeReport> {
    const kind = detectKind(document);
    const resolveLocal = document.resolveLocal ?? (async () => null);

    if (kind === 'html') {
      const html = decodeText(document);
      const result = await externalizeHtml(html, { resolveContentId: () => null, resolveLocal }, this.deps.images, this.deps.links, principal);
      // TextDecoder drops a leading byte order mark; it goes back so that only image references change.
      const bom = document.bytes.subarray(0, 3).equals(UTF8_BOM) ? UTF8_BOM : Buffer.alloc(0);
      return this.report(document, kind, Buffer.concat([bom, Buffer.from(result.html, 'utf8')]), result.images, result.dimensionsAdded);
    }

    const message = await parseMessage(document.bytes);
    if (message.html === null) {
      throw new VitrailError('VITRAIL_EXTERNALIZE_NOT_SUPPORTED', { name: document.fileName, reason: 'the message has no HTML part' });
    }
    const result = await externalizeHtml(message.html, { resolveContentId: message.resolveContentId, resolveLocal }, this.deps.images, this.deps.links, principal);
    const output = await rebuildMessage(message, result.html, result.movedContentIds);
    return this.report(document, kind, output, result.images, result.dimensionsAdded);
  }

  private report(document: MailDocument, kind: MailDocumentKind, output: Buffer, images: readonly MovedImage[], dimensionsAdded: number): ExternalizeReport {
    const report = { kind, output, bytesBefore: document.bytes.length, bytesAfter: output.length, images, dimensionsAdded };
    this.deps.logger.info(
      { kind, bytesBefore: report.bytesBefore, bytesAfter: report.bytesAfter, images: images.length, reused: images.filter((image) => image.reused).length },
      'mail externalized',
    );
    return report;
  }
}

function detectKind(document: MailDocument): MailDocumentKind {
  if (document.bytes.includes(0)) {
    throw new VitrailError('VITRAIL_EXTERNALIZE_NOT_SUPPORTED', { name: document.fileName, reason: 'it contains binary data' });
  }
  if (/\.eml$/i.test(document.fileName)) return 'eml';
  if (/\.html?$/i.test(document.fileName)) return 'html';
  return looksLikeMessage(document.bytes.subarray(0, 64 * 1024).toString('latin1')) ? 'eml' : 'html';
}

/** Reads HTML as UTF-8; other encodings are refused rather than rewritten into mojibake. */
function decodeText(document: MailDocument): string {
  try {
    return strictUtf8.decode(document.bytes);
  } catch {
    throw new VitrailError('VITRAIL_EXTERNALIZE_NOT_SUPPORTED', { name: document.fileName, reason: 'the HTML is not UTF-8; save it as UTF-8 and try again' });
  }
}
