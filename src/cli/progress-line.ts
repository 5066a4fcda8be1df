/** Minimum time between two progress lines on standard error, in milliseconds. */
const PROGRESS_INTERVAL_MS = 2000;

/**
 * Returns a function that prints a progress line on standard error at most every two seconds, so a
 * long run shows it is alive without flooding a log file when standard error is redirected.
 */
export function throttledProgress(format: (done: number, total: number) => string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    process.stderr.write(`${format(done, total)}\n`);
  };
}

export function formatMebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
