// WeChat Pay reads and writes times as RFC 3339 in China Standard Time (UTC+8, no daylight saving),
// e.g. `2026-11-25T18:30:00+08:00`. Formatting by hand keeps it independent of the server's time zone.

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Formats an instant as `YYYY-MM-DDTHH:mm:ss+08:00`; sub-second precision is dropped (truncated). */
export function formatChinaTime(instant: Date): string {
  const shifted = new Date(Math.floor(instant.getTime() / 1000) * 1000 + CHINA_OFFSET_MS);
  // The shifted instant's UTC fields are the wall-clock fields in China.
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}
