// The bench's scenarios, in the order they run and appear in the report. All share one prepared
// context; the load runs first, before any other scenario has touched the servers, then the
// scenarios that write (notifications settle thousands of orders, order creation), and the browser
// (first-load JavaScript) last, so that its Chromium never competes with a measured load.
import type { Scenario } from '../scenario';
import { firstLoadJs } from './first-load-js';
import { idleCosts } from './idle-costs';
import { notifications } from './notifications';
import { orderCreation } from './order-creation';
import { statusVsFloor } from './status-vs-floor';
import { youngOrder } from './young-order';

export const scenarios: Scenario[] = [
  statusVsFloor,
  idleCosts,
  youngOrder,
  notifications,
  orderCreation,
  firstLoadJs,
];
