// Everything the bench starts registers how to stop it, so that the end of a run, an error, Ctrl-C
// and the time limit all leave the machine as they found it: servers stopped, database dropped.
import { errorMessage } from './error-message';
import { benchLog } from './log';
import { TIME_LIMIT_MS } from './settings';

const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(name: string, run: () => Promise<void>): void {
  cleanups.push({ name, run });
}

/** Runs once however often it is called (a signal may arrive while the run ends), in reverse order. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const { name, run } of cleanups.reverse()) {
      await run().catch((error: unknown) =>
        benchLog.error(`stopping ${name} failed: ${errorMessage(error)}`),
      );
    }
  })();
  return cleaning;
}

export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      benchLog.warn(`${signal}: stopping what the bench started…`);
      void cleanUp().then(() => process.exit(130));
    });
  }
}

let watchdog: NodeJS.Timeout | undefined;

/** A hung server or load run must not keep ports and the database past the time limit. */
export function startWatchdog(): void {
  watchdog = setTimeout(() => {
    benchLog.error(`bench: over ${TIME_LIMIT_MS / 1000} s, aborting`);
    void cleanUp().then(() => process.exit(1));
  }, TIME_LIMIT_MS);
  watchdog.unref();
}

export function stopWatchdog(): void {
  clearTimeout(watchdog);
}
