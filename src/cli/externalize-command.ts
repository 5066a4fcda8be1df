import { access, constants, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Command } from 'commander';

import type { Principal } from '../auth/principal.js';
import type { ImageBytes } from '../mail/externalize-html.js';
import type { Vitrail } from '../vitrail.js';
import { withVitrail } from './command-context.js';
import { InputError } from './input-error.js';
import { printTable } from './table.js';

/** Exit status of a command run with a bad argument, as for invalid settings. */
const EXIT_USAGE = 2;

interface ExternalizeOptions {
  readonly user: string;
  readonly output?: string;
}

/** `vitrail externalize`: makes a mailing lighter by moving its embedded images to public media. */
export function externalizeCommand(): Command {
  return new Command('externalize')
    .description(
      'move the images embedded in a mailing (data: URLs, cid: parts of an .eml, local files given after it) to public media, and write the lighter file',
    )
    .argument('<file>', 'the mailing: an .html file or a whole .eml message')
    .argument('[images...]', 'image files the mailing refers to by a relative path, such as images/logo.png')
    .requiredOption('--user <email>', 'e-mail address of the user who owns the new media')
    .option('--output <file>', 'where to write the lighter file (default: beside the input, with ".light" before the extension)')
    .action(async (file: string, imageFiles: string[], options: ExternalizeOptions, command: Command) => {
      const inputPath = path.resolve(file);
      const extension = path.extname(inputPath);
      const outputPath = path.resolve(options.output ?? `${inputPath.slice(0, inputPath.length - extension.length)}.light${extension || '.html'}`);
      for (const given of [inputPath, ...imageFiles.map((image) => path.resolve(image))]) {
        if (!(await isReadableFile(given))) command.error(`error: the file "${given}" does not exist or cannot be read`, { exitCode: EXIT_USAGE });
      }
      if (await exists(outputPath)) {
        command.error(`error: "${outputPath}" already exists: remove it, or choose another file with --output`, { exitCode: EXIT_USAGE });
      }

      await withVitrail(async (vitrail) => {
        const principal = await principalOf(vitrail, options.user);
        const report = await vitrail.mailExternalizer.externalizeMail(
          { bytes: await readFile(inputPath), fileName: path.basename(inputPath), resolveLocal: localImageResolver(inputPath, imageFiles) },
          principal,
        );
        await writeFile(outputPath, report.output, { flag: 'wx' });

        printTable(
          ['IMAGE', 'BYTES', 'PUBLIC URL', 'STORED'],
          report.images.map((image) => [image.reference, String(image.bytes), image.url, image.reused ? 'already there' : 'new']),
        );
        process.stdout.write(
          `\n${path.basename(inputPath)}: ${report.bytesBefore} bytes before, ${report.bytesAfter} bytes after ` +
            `(${report.images.length} image(s) moved, width/height added to ${report.dimensionsAdded}); written to ${outputPath}\n`,
        );
      });
    });
}

async function principalOf(vitrail: Vitrail, email: string): Promise<Principal> {
  const user = await vitrail.users.requireUser(email);
  if (user.disabled_at !== null) {
    throw new InputError(`The user ${user.email} is disabled, so new media cannot belong to it: choose another user with --user, or enable it with "vitrail user enable ${user.email}".`);
  }
  return { userId: user.id, email: user.email, role: user.role };
}

/**
 * Resolves a relative reference (or a file: URL) against the mailing's folder, and reads it only when it
 * names one of the files given on the command line: the command never reads other files of the disk.
 */
function localImageResolver(inputPath: string, imageFiles: readonly string[]): (url: string) => Promise<ImageBytes | null> {
  const allowed = new Set(imageFiles.map((image) => path.resolve(image)));
  return async (url) => {
    let target: string;
    try {
      target = /^file:/i.test(url) ? fileURLToPath(url) : path.resolve(path.dirname(inputPath), decodeURIComponent(url.split(/[?#]/)[0] ?? ''));
    } catch {
      return null;
    }
    if (!allowed.has(target)) return null;
    return { bytes: await readFile(target), fileName: path.basename(target) };
  };
}

async function isReadableFile(filePath: string): Promise<boolean> {
  try {
    await access(filePath, constants.R_OK);
    return (await stat(filePath)).isFile();
  } catch {
    return false;
  }
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await stat(filePath);
    return true;
  } catch {
    return false;
  }
}
