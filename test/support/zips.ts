import { randomBytes } from 'node:crypto';

import yazl from 'yazl';

export interface ZipEntrySpec {
  /** The name as stored: a string is written as UTF-8 with the UTF-8 flag, raw bytes without it. */
  readonly name: string | Buffer;
  readonly content: Buffer | string;
  /** Unix mode, such as 0o120777 for a symbolic link. */
  readonly mode?: number;
  readonly compress?: boolean;
}

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const UTF8_FLAG = 0x800;

/**
 * Builds a zip archive in memory with yazl. yazl refuses unsafe names and always sets the UTF-8 flag, so
 * entries are written under random placeholder names of the same byte length, then the names (and the
 * flag, for raw names) are patched in the local and central headers.
 */
export async function buildZip(entries: readonly ZipEntrySpec[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const patches: { placeholder: Buffer; name: Buffer; utf8: boolean }[] = [];
  for (const entry of entries) {
    const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
    const options = { compress: entry.compress ?? true, mode: entry.mode ?? 0o100644 };
    if (typeof entry.name === 'string' && isAcceptedByYazl(entry.name)) {
      zip.addBuffer(content, entry.name, options);
      continue;
    }
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name) : entry.name;
    const placeholder = Buffer.from(randomBytes(name.length).toString('hex').slice(0, name.length).padEnd(name.length, 'q'));
    patches.push({ placeholder, name, utf8: typeof entry.name === 'string' });
    zip.addBuffer(content, placeholder.toString(), options);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const archive = Buffer.concat(chunks);

  for (const patch of patches) {
    let found = 0;
    for (let index = archive.indexOf(patch.placeholder); index !== -1; index = archive.indexOf(patch.placeholder, index + 1)) {
      if (index >= 30 && archive.readUInt32LE(index - 30) === LOCAL_HEADER_SIGNATURE) {
        patch.name.copy(archive, index);
        if (!patch.utf8) archive.writeUInt16LE(archive.readUInt16LE(index - 30 + 6) & ~UTF8_FLAG, index - 30 + 6);
        found += 1;
      } else if (index >= 46 && archive.readUInt32LE(index - 46) === CENTRAL_HEADER_SIGNATURE) {
        patch.name.copy(archive, index);
        if (!patch.utf8) archive.writeUInt16LE(archive.readUInt16LE(index - 46 + 8) & ~UTF8_FLAG, index - 46 + 8);
        found += 1;
      }
    }
    if (found !== 2) throw new Error(`zip fixture: placeholder for ${patch.name.toString('latin1')} found ${found} times, expected 2`);
  }
  return archive;
}

function isAcceptedByYazl(name: string): boolean {
  return !name.startsWith('/') && !/^[A-Za-z]:/.test(name) && !name.split('/').includes('..');
}
