import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import pino from 'pino';

import { loadSettings } from '../src/config/settings.js';
import type { NewMediaRow } from '../src/db/schema.js';
import { foldForSearch } from '../src/media/file-names.js';
import { createMediaId } from '../src/media/media-ids.js';
import { openVitrail } from '../src/vitrail.js';

/** Words of parish file names, accented as people type them, so accent-insensitive search has work to do. */
const WORDS = ['Église', 'paroisse', 'messe', 'baptême', 'kermesse', 'Noël', 'Pâques', 'chorale', 'caté', 'pèlerinage', 'fête', 'diocèse', 'bulletin', 'affiche', 'crèche', 'évêque'];
const ROWS_PER_TRANSACTION = 5000;

/**
 * Inserts media rows straight into a data directory's database (no bytes stored): enough to measure
 * listing and search at size. Usage: node seed-media.js --data-dir DIR [--count 100000]
 */
export async function seedMedia(dataDir: string, count: number): Promise<void> {
  const vitrail = await openVitrail(loadSettings({ VITRAIL_DATA_DIR: dataDir }), pino({ level: 'silent' }));
  try {
    const start = Date.UTC(2020, 0, 1);
    for (let first = 0; first < count; first += ROWS_PER_TRANSACTION) {
      const rows: NewMediaRow[] = [];
      for (let index = first; index < Math.min(count, first + ROWS_PER_TRANSACTION); index += 1) {
        const name = `${WORDS[index % WORDS.length]}-${WORDS[(index * 7) % WORDS.length]}-${index}.jpg`;
        const createdAt = new Date(start + index * 60_000).toISOString();
        rows.push({
          id: createMediaId(),
          name,
          name_folded: foldForSearch(name),
          mime: 'image/jpeg',
          size: 1000 + (index % 5000),
          sha256: randomBytes(32).toString('hex'),
          width: 800,
          height: 600,
          visibility: index % 10 === 0 ? 'private' : 'public',
          created_by: null,
          created_at: createdAt,
          updated_at: createdAt,
          trashed_at: index % 50 === 0 ? createdAt : null,
        });
      }
      // SQLite limits bound parameters per statement, so rows go in batches of 500 within one transaction.
      await vitrail.db.transaction().execute(async (transaction) => {
        for (let offset = 0; offset < rows.length; offset += 500) {
          await transaction.insertInto('media').values(rows.slice(offset, offset + 500)).execute();
        }
      });
    }
  } finally {
    await vitrail.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, count: { type: 'string', default: '100000' } } });
  if (values['data-dir'] === undefined) throw new Error('missing --data-dir: the data directory to seed');
  await seedMedia(values['data-dir'], Number(values.count));
}
