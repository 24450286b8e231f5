// Fails when any mutated file scores under the floor. Stryker's own `thresholds.break` applies to
// the total, where a well-tested large file can hide a weak small one; this reads Stryker's JSON
// report (the mutation-testing-report schema) and judges every file on its own.
//   tsx scripts/mutation/check-file-scores.ts [--min 90] report.json [more-report.json …]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServiceLogger } from '@recharge/log';

const logger = createServiceLogger('mutation');

type MutantStatus =
  | 'Killed'
  | 'Survived'
  | 'NoCoverage'
  | 'Timeout'
  | 'CompileError'
  | 'RuntimeError'
  | 'Ignored'
  | 'Pending';

interface MutationReport {
  files: Record<string, { mutants: { status: MutantStatus }[] }>;
}

interface FileScore {
  file: string;
  detected: number;
  undetected: number;
  /** Percent of valid mutants detected; null when the file has none (nothing to judge). */
  score: number | null;
}

/** Same definition as Stryker's: (killed + timeout) / (killed + timeout + survived + no coverage). */
function scoreFiles(report: MutationReport): FileScore[] {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const count = (...statuses: MutantStatus[]) =>
        mutants.filter((m) => statuses.includes(m.status)).length;
      const detected = count('Killed', 'Timeout');
      const undetected = count('Survived', 'NoCoverage');
      const valid = detected + undetected;
      return { file, detected, undetected, score: valid === 0 ? null : (100 * detected) / valid };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { min: { type: 'string', default: '90' } },
    allowPositionals: true,
  });
  const min = Number(values.min);
  if (!Number.isFinite(min)) throw new Error(`--min must be a number, got ${values.min}`);
  const reports = positionals.length > 0 ? positionals : ['reports/mutation/mutation.json'];
  const scores = reports.flatMap((path) => {
    const fileScores = scoreFiles(JSON.parse(readFileSync(path, 'utf8')) as MutationReport);
    if (fileScores.length === 0) {
      logger.fatal({ report: path }, `mutation: ${path} lists no mutated files`);
      process.exit(1);
    }
    return fileScores;
  });

  const width = Math.max(...scores.map((s) => s.file.length));
  const report = [`\nMutation score per file (floor ${min} %):`];
  for (const { file, detected, undetected, score } of scores) {
    const shown = score === null ? '   n/a' : `${score.toFixed(2).padStart(6)} %`;
    const mark = score !== null && score < min ? '  << under the floor' : '';
    report.push(`  ${file.padEnd(width)}  ${shown}  (${detected} detected, ${undetected} undetected)${mark}`);
  }

  // The table is the command's output (a report), not log lines.
  process.stdout.write(`${report.join('\n')}\n`);

  const failing = scores.filter((s) => s.score !== null && s.score < min);
  if (failing.length > 0) {
    logger.error(
      { floor: min, failing: failing.map(({ file, score, undetected }) => ({ file, score, undetected })) },
      `mutation: ${failing.length} file(s) under ${min} %: ` +
        failing.map(({ file, score }) => `${file} ${score?.toFixed(2)} %`).join(', ') +
        '. The HTML reports beside the JSON ones (reports/mutation/*.html) show the survivors.',
    );
    process.exit(1);
  }
  logger.info({ floor: min }, `mutation: every file at or above ${min} %`);
}

main();
