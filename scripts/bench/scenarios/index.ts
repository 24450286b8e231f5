// The bench's scenarios, in the order they run and appear in the report. All share one prepared
// context; the load runs first, before any other scenario has touched the servers.
import type { Scenario } from '../scenario';
import { idleCosts } from './idle-costs';
import { statusVsFloor } from './status-vs-floor';
import { youngOrder } from './young-order';

export const scenarios: Scenario[] = [statusVsFloor, idleCosts, youngOrder];
