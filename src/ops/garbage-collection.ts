import v8 from 'node:v8';
import vm from 'node:vm';

interface CollectionOptions {
  readonly type: 'minor' | 'major';
  readonly execution?: 'sync' | 'async';
  readonly flavor?: 'regular' | 'last-resort';
}

type GcFunction = (options: CollectionOptions) => PromiseLike<void> | undefined;

let exposedGc: GcFunction | null = null;

/**
 * V8's `gc()`, as `--expose-gc` gives it. Set at run time, the flag adds `gc` only to contexts created
 * afterwards, so one is created to reach it. The program's own global scope gets no `gc`.
 */
function gc(): GcFunction {
  if (exposedGc === null) {
    v8.setFlagsFromString('--expose-gc');
    exposedGc = vm.runInNewContext('gc') as GcFunction;
  }
  return exposedGc;
}

/**
 * Runs V8's most thorough collection and resolves once it is over. On Node 22 the "last-resort" flavour
 * also hands free pages back to the system, where a regular collection kept them all.
 *
 * NOTE: Node 20's V8 ran the same collection as a regular one in `--trace-gc`. There the pages go back
 * only when V8's memory reducer follows, about 8 s later, and it did not always follow.
 */
export async function collectEverything(): Promise<void> {
  await gc()({ type: 'major', execution: 'async', flavor: 'last-resort' });
}

/** Bytes of uploads received between two young-generation collections run by UploadGarbagePacer. */
export const UPLOAD_BYTES_PER_YOUNG_COLLECTION = 4 * 1024 * 1024;

/**
 * Runs a young-generation collection every UPLOAD_BYTES_PER_YOUNG_COLLECTION of upload received, across
 * all uploads of the process.
 *
 * Each socket read of an upload arrives in an ArrayBuffer outside V8's heap. V8 counts that memory
 * against the old generation's room, and collects the young buffers only after 32 MiB of them. Once V8
 * has sized its old generation for an idle server, after any full collection, that room is about 9 MiB.
 * V8 then ran a full mark-compact every few dozen MiB received: 35 to 40 per GiB of raw PUT and 65 to 70
 * per GiB of tus (which then copied each chunk), for 1 to 2.5 s of extra CPU. A young collection frees
 * the buffers already consumed in well under a millisecond. One every 4 MiB brought raw PUT and tus down
 * to three mark-compacts per GiB at most, and multipart to nine, for about 0.1 s of CPU.
 */
export class UploadGarbagePacer {
  private sinceCollection = 0;
  private collections = 0;

  constructor(private readonly collectYoung: () => void = () => void gc()({ type: 'minor' })) {}

  /** How many collections the pacer has run. */
  get youngCollections(): number {
    return this.collections;
  }

  /** Counts `bytes` more of upload received, collecting the young generation when enough have come. */
  received(bytes: number): void {
    this.sinceCollection += bytes;
    if (this.sinceCollection < UPLOAD_BYTES_PER_YOUNG_COLLECTION) return;
    this.sinceCollection = 0;
    this.collections += 1;
    this.collectYoung();
  }
}
