import { Readable } from 'node:stream';

import type { Principal } from '../auth/principal.js';
import type { MediaRow } from '../db/schema.js';
import { VitrailError } from '../errors/catalogue.js';
import type { StagedFile } from '../storage/staging-area.js';
import type { MediaService } from './media-service.js';
import { detectFileType } from './media-types.js';

/** An image received in the staging area and checked, not yet a media. */
export interface StagedImage {
  readonly staged: StagedFile;
  readonly fileName: string;
  readonly mime: string;
}

export interface ImportedImage {
  readonly media: MediaRow;
  /** true when a public media with the same bytes already existed and was linked instead. */
  readonly reused: boolean;
}

/**
 * Turns images found inside a document (a page, a mail) into public media through the usual upload path.
 * Staging and checking every image first, then creating the media, lets a caller reject the document
 * before anything is created.
 */
export class PublicImageImporter {
  constructor(private readonly media: MediaService) {}

  /** Stages bytes or a stream and checks that the content is an image; `label` names it in errors. */
  async stage(source: Buffer | Readable, fileName: string, label: string): Promise<StagedImage> {
    const staged = await this.media.receiveUpload(Buffer.isBuffer(source) ? Readable.from([source]) : source);
    try {
      const detected = await detectFileType(staged.path);
      if (detected === null || !detected.mime.startsWith('image/') || !this.media.acceptsType(detected.mime)) {
        throw new VitrailError('VITRAIL_DOCUMENT_IMAGE_INVALID', { reference: label, detected: detected?.mime ?? 'of no recognised type' });
      }
      return { staged, fileName, mime: detected.mime };
    } catch (error) {
      await this.media.discardUpload(staged);
      throw error;
    }
  }

  async discard(images: Iterable<StagedImage>): Promise<void> {
    for (const image of images) await this.media.discardUpload(image.staged);
  }

  /**
   * Creates the public media of a staged image, or links the existing public media with the same bytes.
   * NOTE: a linked media is shared, so trashing it from the media library also breaks the pages and mails
   * that link it, until it is restored.
   */
  async commit(image: StagedImage, principal: Principal): Promise<ImportedImage> {
    const existing = await this.media.findPublicMediaWithContent(image.staged.sha256, principal);
    if (existing !== undefined) {
      await this.media.discardUpload(image.staged);
      return { media: existing, reused: true };
    }
    const media = await this.media.createMedia(image.staged, { fileName: image.fileName, visibility: 'public' }, principal);
    return { media, reused: false };
  }
}
