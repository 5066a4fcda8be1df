/** Formats a count with its noun in the right number, such as "1 blob" or "3 blobs". */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
