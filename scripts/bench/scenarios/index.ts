// The bench's scenarios, in the order they run and appear in the report. All share one prepared
// context; the load runs first, before any other scenario has touched the servers, then the
// notifications, which settle thousands of orders, and the browser (first-load JavaScript) last,
// so that its Chromium never competes with a measured load.
import type { Scenario } from '../scenario';
import { firstLoadJs } from './first-load-js';
import { idleCosts } from './idle-costs';
import { notifications } from './notifications';
import { statusVsFloor } from './status-vs-floor';
import { youngOrder } from './young-order';

export const scenarios: Scenario[] = [statusVsFloor, idleCosts, youngOrder, notifications, firstLoadJs];
