import { link, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from 'pino';

import { accessPolicy } from '../auth/access-policy.js';
import type { MediaRow } from '../db/schema.js';
import { isMediaId } from '../media/media-ids.js';
import { typeOfFileName } from './extension-types.js';
import { describeContent, publicContentOf, publicFileName } from './served-content.js';

export interface PublicMirrorDependencies {
  /** Directory that nginx serves; public media appear under `<root>/m/<id>/<name>`. */
  readonly root: string;
  /** Local path of a blob, which must be on the same filesystem as `root` for hard links. */
  readonly blobPath: (sha256: string) => string;
  readonly findMedia: (mediaId: string) => Promise<MediaRow | undefined>;
  readonly listPublicMedia: () => AsyncIterable<MediaRow>;
  readonly logger: Logger;
}

/**
 * A directory of hard links to the bytes of public media, laid out as their public URLs, for nginx to
 * serve straight from disk. nginx falls back to Vitrail for anything missing: old names, variants, private
 * media, unknown ids.
 *
 * Only media that Vitrail serves inline without a Content-Security-Policy are linked (images, PDF, audio,
 * video): nginx cannot add the sandbox policy that other types need, so those stay with Vitrail. nginx
 * also chooses the Content-Type from the file's extension, not from the bytes, so a media is linked only
 * when its name's extension stands for the type Vitrail serves: a PDF named `bulletin.html` would
 * otherwise reach browsers as text/html.
 * `sync` runs after each change to a media and before that change is answered, so an unpublished, trashed
 * or replaced media leaves the directory before its editor gets the answer.
 */
export class PublicMirror {
  private readonly mediaRoot: string;

  constructor(private readonly deps: PublicMirrorDependencies) {
    this.mediaRoot = path.join(deps.root, 'm');
  }

  /** Makes the entry of one media match the database: removed, or linked at its current name. */
  async sync(mediaId: string): Promise<void> {
    if (!isMediaId(mediaId)) return;
    const directory = path.join(this.mediaRoot, mediaId);
    await rm(directory, { recursive: true, force: true });
    const media = await this.deps.findMedia(mediaId);
    if (media !== undefined && isMirrored(media)) await this.linkInto(this.mediaRoot, media);
  }

  /**
   * Rebuilds the whole directory from the database, at start: a new tree is linked beside the old one and
   * swapped in by renames, so entries removed while the server was down cannot survive.
   */
  async rebuild(): Promise<number> {
    const fresh = `${this.mediaRoot}.new`;
    const stale = `${this.mediaRoot}.old`;
    await rm(fresh, { recursive: true, force: true });
    await rm(stale, { recursive: true, force: true });
    await mkdir(fresh, { recursive: true });
    let linked = 0;
    for await (const media of this.deps.listPublicMedia()) {
      if (!isMirrored(media)) continue;
      await this.linkInto(fresh, media);
      linked += 1;
    }
    await rename(this.mediaRoot, stale).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(fresh, this.mediaRoot);
    await rm(stale, { recursive: true, force: true });
    this.deps.logger.info({ linked, root: this.deps.root }, 'public mirror rebuilt');
    return linked;
  }

  /** Every entry, as `<id>/<name>` paths; for checks and tests. */
  async listEntries(): Promise<string[]> {
    const entries: string[] = [];
    const ids = await readdir(this.mediaRoot).catch(() => [] as string[]);
    for (const id of ids) {
      for (const name of await readdir(path.join(this.mediaRoot, id))) entries.push(`${id}/${name}`);
    }
    return entries.sort();
  }

  private async linkInto(mediaRoot: string, media: MediaRow): Promise<void> {
    const directory = path.join(mediaRoot, media.id);
    await mkdir(directory, { recursive: true });
    // The file nginx serves is what the plain public URL serves: an image's rendition, or the original.
    await link(this.deps.blobPath(publicContentOf(media).sha256), path.join(directory, publicFileName(media)));
  }
}

/**
 * Whether nginx may serve a media as a plain file: readable by anyone, safe without a sandbox policy, and
 * named with an extension that maps to the type served. The mapping is mime-db's, through mime-types;
 * nginx's mime.types agrees with it on the extensions of images, PDF, audio and video that it lists.
 */
export function isMirrored(media: MediaRow): boolean {
  if (!accessPolicy.canReadMedia(null, media)) return false;
  const content = publicContentOf(media);
  const headers = describeContent(media, content).headers;
  const name = publicFileName(media);
  return headers['content-security-policy'] === undefined && !name.includes('/') && typeOfFileName(name) === content.mime;
}
