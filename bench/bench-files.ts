import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface BenchFile {
  /** Label in the report, such as "20 KB". */
  readonly label: string;
  readonly name: string;
  readonly size: number;
}

export const FILE_SIZES: Readonly<Record<string, number>> = {
  '20KB': 20_000,
  '200KB': 200_000,
  '2MB': 2_000_000,
  '20MB': 20_000_000,
};

/**
 * Writes one PDF-looking file per size into `directory`: a PDF header then random bytes, so Vitrail stores
 * it as a document and no layer can compress it.
 */
export async function writeBenchFiles(directory: string, sizes: readonly string[]): Promise<BenchFile[]> {
  const files: BenchFile[] = [];
  for (const label of sizes) {
    const size = FILE_SIZES[label];
    if (size === undefined) throw new Error(`unknown size "${label}": expected one of ${Object.keys(FILE_SIZES).join(', ')}`);
    const header = Buffer.from('%PDF-1.4\n');
    const trailer = Buffer.from('\n%%EOF\n');
    const body = Buffer.concat([header, randomBytes(size - header.length - trailer.length), trailer]);
    const name = `document-${label.toLowerCase()}.pdf`;
    await writeFile(path.join(directory, name), body);
    files.push({ label, name, size });
  }
  return files;
}
