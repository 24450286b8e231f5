// What a bench scenario is: a name and a run over the prepared context, giving back its section of
// the report and what went against expectations. The runner (run.ts) runs them in the order of
// scenarios/index.ts; a new measurement is one file there plus one line in that list.
import type { BenchContext } from './context';

export interface Scenario {
  /** Shown as the progress heading. */
  name: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}

export interface ScenarioResult {
  /** Markdown lines, printed under the run's "Results" heading in scenario order. */
  report: string[];
  /** Expectations that did not hold: any one makes the bench exit 1. */
  failures: string[];
}
