import { readFile, readdir } from 'node:fs/promises';

/** Resident memory of a process and all its descendants, in bytes, from Linux's /proc. */
export async function treeResidentBytes(pid: number): Promise<number> {
  let total = 0;
  for (const member of await processTree(pid)) total += await residentBytes(member);
  return total;
}

async function processTree(pid: number): Promise<number[]> {
  const members = [pid];
  for (let index = 0; index < members.length; index += 1) {
    const current = members[index] as number;
    let tasks: string[];
    try {
      tasks = await readdir(`/proc/${current}/task`);
    } catch {
      continue; // The process ended meanwhile.
    }
    for (const task of tasks) {
      const children = await readFile(`/proc/${current}/task/${task}/children`, 'utf8').catch(() => '');
      for (const child of children.split(' ')) if (child.trim() !== '') members.push(Number(child));
    }
  }
  return members;
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
}

/** Samples the resident memory of process trees every `intervalMs` and keeps the peak of their sum until stopped. */
export class PeakMemorySampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly pids: readonly number[],
    intervalMs = 100,
  ) {
    this.timer = setInterval(() => {
      this.pending = this.sample();
    }, intervalMs);
  }

  private async sample(): Promise<void> {
    let total = 0;
    for (const pid of this.pids) total += await treeResidentBytes(pid);
    this.peak = Math.max(this.peak, total);
  }

  /** Stops sampling and returns the peak, in bytes. */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.pending;
    await this.sample();
    return this.peak;
  }
}
