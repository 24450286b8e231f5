// China Standard Time (UTC+8, no daylight saving): the time WeChat Pay reads and writes, and the
// time payers read. Computed by hand so that it is independent of the server's and the browser's
// time zone. No imports: the WeChat Pay adapter, server code and components all use this module,
// and none of them drags the others in.

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** `YYYY-MM-DDTHH:mm:ss`, the wall clock in China at that instant; sub-second precision is dropped (truncated). */
function chinaWallClock(instant: Date): string {
  const shifted = new Date(Math.floor(instant.getTime() / 1000) * 1000 + CHINA_OFFSET_MS);
  // The shifted instant's UTC fields are the wall-clock fields in China.
  return shifted.toISOString().slice(0, 19);
}

/** RFC 3339 as WeChat Pay wants it: `2026-11-25T18:30:00+08:00`. */
export function formatChinaTime(instant: Date): string {
  return `${chinaWallClock(instant)}+08:00`;
}

/** `20261125183000`: digits only, for identifiers such as out_trade_no. */
export function formatChinaTimestamp(instant: Date): string {
  return chinaWallClock(instant).replace(/[-:T]/g, '');
}

/** `18:30:00`, the clock in China at that instant, for payers (labelled as Beijing time where shown). */
export function formatChinaClock(instant: Date): string {
  return chinaWallClock(instant).slice(11);
}

/** `2026/11/25 18:30:00`, for payers (what zh-CN date-time formatting in Asia/Shanghai prints). */
export function formatChinaDateTime(instant: Date): string {
  return chinaWallClock(instant).replaceAll('-', '/').replace('T', ' ');
}
