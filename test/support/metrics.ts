/** Finds the line of one series in a Prometheus text page, or undefined when the series is absent. */
function sampleLine(metrics: string, series: string): string | undefined {
  return metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
}

/** Returns the value of one series in a Prometheus text page, or 0 when the series is absent. */
export function sampleValue(metrics: string, series: string): number {
  const line = sampleLine(metrics, series);
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Tells whether a Prometheus text page has a line for the series. */
export function hasSample(metrics: string, series: string): boolean {
  return sampleLine(metrics, series) !== undefined;
}
