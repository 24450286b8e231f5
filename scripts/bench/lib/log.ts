import { createServiceLogger } from '@recharge/log';

/** The bench's progress lines (the shared logger, service bench); its results are a report on stdout. */
export const benchLog = createServiceLogger('bench');

/** The results: the command's output, for a person or a file, not log lines. */
export function printReport(text: string): void {
  process.stdout.write(`${text}\n`);
}
