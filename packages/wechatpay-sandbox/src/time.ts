// WeChat Pay writes every timestamp it emits (success_time, create_time) as RFC 3339 in Beijing time.

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** `2026-11-25T18:30:12+08:00` */
export function toBeijingRfc3339(epochMs: number): string {
  return `${new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** `20261125`, the date part WeChat embeds in transaction and refund ids. */
export function toBeijingDateStamp(epochMs: number): string {
  return toBeijingDate(epochMs).replaceAll('-', '');
}

/** `2026-11-25`: the Beijing day, which is what a bill_date names. */
export function toBeijingDate(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** `2026-11-25 18:30:12`, the trade bill's time format (Beijing time, no offset written). */
export function toBeijingDateTime(epochMs: number): string {
  return new Date(epochMs + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * time_expire as WeChat documents it, `yyyy-MM-DDTHH:mm:ss+TIMEZONE`: whole seconds and a numeric offset.
 * Deliberately strict (no `Z`, no fractions) so a merchant client that sends `toISOString()` fails here
 * rather than against the real API.
 */
export const RFC3339_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
