// Bill dates are Beijing days (UTC+8, no daylight saving): `YYYY-MM-DD`.

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const BILL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written `YYYY-MM-DD`, or null. */
export function parseBillDate(text: string): string | null {
  const match = BILL_DATE.exec(text);
  if (!match) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text) ? text : null;
}

/** The instants the Beijing day covers: [start, end). */
export function beijingDayRange(billDate: string): { start: Date; end: Date } {
  const start = new Date(Date.parse(`${billDate}T00:00:00Z`) - CHINA_OFFSET_MS);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** The Beijing date of an instant. */
export function beijingDateOf(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Beijing day before the one `now` is in: the bill WeChat publishes after 10:00 today. */
export function previousBeijingDay(now: Date): string {
  return beijingDateOf(new Date(now.getTime() - DAY_MS));
}

/** Hour of the day in Beijing (0–23). */
export function beijingHour(now: Date): number {
  return new Date(now.getTime() + CHINA_OFFSET_MS).getUTCHours();
}

/** WeChat keeps bills for three months; a day is only billed once it is over (today at the earliest
 * for the sandbox, which bills the day so far). Null when the date can be reconciled, else why not. */
export function whyNotReconcilable(billDate: string, now: Date): string | null {
  const today = beijingDateOf(now);
  if (billDate > today) return '不能核对未来的日期';
  const oldest = beijingDateOf(new Date(now.getTime() - 90 * DAY_MS));
  if (billDate < oldest) return `微信支付只保留三个月内的账单（${oldest} 起）`;
  return null;
}
