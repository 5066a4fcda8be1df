import type { CheckReport, FindingState } from '../ops/integrity-check.js';
import { formatCount } from './counts.js';

/** Formats a report for a terminal: one line per finding, then a verdict. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const integrity = report.databaseIntegrity.length === 1 && report.databaseIntegrity[0] === 'ok' ? 'ok' : 'FAILED';
  lines.push(`Database integrity (PRAGMA integrity_check): ${integrity}`);
  lines.push(`Blobs: ${report.blobsReferenced} referenced, ${report.blobsStored} stored, ${report.blobsVerified} verified (size and SHA-256)`);
  const labels: Record<FindingState, string> = {
    damage: 'DAMAGE',
    repairable: 'TO REPAIR',
    repaired: 'REPAIRED',
    'in-flight': 'IN FLIGHT',
    foreign: 'INSPECT',
  };
  for (const finding of report.findings) {
    lines.push(`${labels[finding.state].padEnd(9)}  ${finding.kind.padEnd(18)}  ${finding.subject}  ${finding.detail}`);
  }
  const damage = report.findings.filter((finding) => finding.state === 'damage').length;
  const repairable = report.findings.filter((finding) => finding.state === 'repairable').length;
  const foreign = report.findings.filter((finding) => finding.state === 'foreign').length;
  if (report.healthy) {
    lines.push('Result: no damage found.');
  } else {
    const parts = [];
    if (damage > 0) parts.push(`${formatCount(damage, 'damaged item')} that --repair cannot fix (restore from a backup)`);
    if (repairable > 0) parts.push(`${formatCount(repairable, 'item')} that "vitrail check --repair" removes`);
    if (foreign > 0) parts.push(`${formatCount(foreign, 'entry', 'entries')} in the blob store that Vitrail did not put there (inspect them, then move or delete them by hand)`);
    lines.push(`Result: ${parts.join('; ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
