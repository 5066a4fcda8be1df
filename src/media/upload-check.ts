import { VitrailError } from '../errors/catalogue.js';
import type { ImageProbe } from '../images/image-probe.js';
import type { StagedFile } from '../storage/staging-area.js';
import { cleanFileName } from './file-names.js';
import { detectFileType, isTypeAllowed } from './media-types.js';

/** What the checks learnt of a staged file that may be stored. */
export interface CheckedUpload {
  /** The cleaned display name. */
  readonly name: string;
  readonly mime: string;
  /** Usual extension of the detected type, without the dot. */
  readonly extension: string;
  readonly size: number;
  readonly sha256: string;
  readonly width: number | null;
  readonly height: number | null;
}

export interface UploadCheckRules {
  readonly allowedTypes: readonly string[];
  readonly images: ImageProbe;
}

/**
 * Checks a staged file before it becomes the content of a media, whether uploaded, replacing an earlier
 * content or imported: not empty, a type detected from the bytes and allowed, and image dimensions.
 * The size limit was applied while the file streamed in. Fails with a VitrailError and leaves the staged
 * file to the caller. Further checks of every new content (such as decoding images) belong here.
 */
export async function checkUpload(staged: StagedFile, fileName: string, rules: UploadCheckRules): Promise<CheckedUpload> {
  if (staged.size === 0) {
    throw new VitrailError('VITRAIL_MEDIA_EMPTY', { name: cleanFileName(fileName, 'bin') });
  }

  const detected = await detectFileType(staged.path);
  const name = cleanFileName(fileName, detected?.extension ?? 'bin');
  if (detected === null || !isTypeAllowed(detected.mime, rules.allowedTypes)) {
    throw new VitrailError(
      'VITRAIL_MEDIA_TYPE_NOT_ALLOWED',
      { name, detected: detected === null ? 'of no recognised type' : detected.mime, allowed: rules.allowedTypes.join(', ') },
      // Also as a list, so a client can tell people which kinds of file to send, in their language.
      { details: { allowedTypes: [...rules.allowedTypes] } },
    );
  }
  const dimensions = detected.mime.startsWith('image/') ? await rules.images.readDimensions(staged.path) : null;

  return {
    name,
    mime: detected.mime,
    extension: detected.extension,
    size: staged.size,
    sha256: staged.sha256,
    width: dimensions?.width ?? null,
    height: dimensions?.height ?? null,
  };
}
