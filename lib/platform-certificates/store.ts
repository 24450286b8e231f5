import 'server-only';
import { randomUUID } from 'node:crypto';
import { getDb } from '../db';
import { getEnv } from '../env';
import type { PlatformCertificate } from '../wechat-pay/certificates';

// The platform certificates every instance shares (PostgreSQL: they are trust material, and Redis here
// is best effort), and the one row that decides which instance downloads them and when.

/**
 * A download holds the lease this long at most (an instance that dies mid-download frees it then):
 * longer than the download can take, so that two instances never download at once.
 */
const leaseMs = () => Math.max(30_000, 2 * getEnv().WECHATPAY_TIMEOUT_MS);
/** After a failed scheduled download, the next waits 1 min, doubling per failure, up to the interval. */
const FAILURE_BACKOFF_BASE_MS = 60_000;
/** A certificate WeChat stopped listing stays trusted this long: its notifications' retries still come. */
const RETIRED_GRACE_MS = 24 * 60 * 60 * 1000;

/** This process, in the lease row: which instance is downloading. */
const OWNER = `${process.pid}-${randomUUID().slice(0, 8)}`;

export type RefreshReason = 'schedule' | 'unknown-serial';

interface RefreshState {
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  lastUnknownSerialAt: Date | null;
  consecutiveFailures: number;
  lastError: string | null;
}

/**
 * Takes the download lease when it is free and the reason's cadence allows: the schedule when the last
 * success is older than `intervalMs` (and, after failures, the backoff has passed), an unknown serial when the last such download is older than
 * `intervalMs` (counted from its start, success or not, so failures are rate-limited too). One
 * statement: two instances can't both get it.
 */
export async function claimRefresh(reason: RefreshReason, intervalMs: number): Promise<boolean> {
  const db = getDb();
  const claimed =
    reason === 'schedule'
      ? await db.$executeRaw`
          UPDATE wechatpay_certificate_refresh
          SET lease_until = now() + ${leaseMs()} * interval '1 millisecond', lease_owner = ${OWNER},
              last_attempt_at = now()
          WHERE id = 1 AND (lease_until IS NULL OR lease_until < now())
            AND (last_success_at IS NULL OR last_success_at <= now() - ${intervalMs} * interval '1 millisecond')
            AND (consecutive_failures = 0 OR last_attempt_at IS NULL OR last_attempt_at <= now()
                 - LEAST(${intervalMs}, ${FAILURE_BACKOFF_BASE_MS} * power(2, LEAST(consecutive_failures, 12) - 1))
                   * interval '1 millisecond')`
      : await db.$executeRaw`
          UPDATE wechatpay_certificate_refresh
          SET lease_until = now() + ${leaseMs()} * interval '1 millisecond', lease_owner = ${OWNER},
              last_attempt_at = now(), last_unknown_serial_at = now()
          WHERE id = 1 AND (lease_until IS NULL OR lease_until < now())
            AND (last_unknown_serial_at IS NULL
                 OR last_unknown_serial_at <= now() - ${intervalMs} * interval '1 millisecond')`;
  return claimed === 1;
}

/** Saves a successful download (every certificate listed now) and frees the lease, in one transaction. */
export async function recordDownload(certificates: PlatformCertificate[]): Promise<void> {
  const db = getDb();
  await db.$transaction(async (tx) => {
    // last_listed_at and last_success_at from the same clock (the database's now(), fixed for the
    // transaction): "listed by the last download" is then an exact comparison.
    for (const c of certificates) {
      // The same serial always names the same certificate: only WeChat's dates may move.
      await tx.$executeRaw`
        INSERT INTO wechatpay_platform_certificates
          (serial_no, certificate_pem, not_before, not_after, effective_time, expire_time, last_listed_at)
        VALUES (${c.serialNo}, ${c.certificatePem}, ${c.notBefore}, ${c.notAfter}, ${c.effectiveTime},
                ${c.expireTime}, now())
        ON CONFLICT (serial_no) DO UPDATE
        SET effective_time = EXCLUDED.effective_time, expire_time = EXCLUDED.expire_time, last_listed_at = now()`;
    }
    await tx.$executeRaw`
      UPDATE wechatpay_certificate_refresh
      SET last_success_at = now(), consecutive_failures = 0, last_error = NULL,
          lease_until = CASE WHEN lease_owner = ${OWNER} THEN NULL ELSE lease_until END
      WHERE id = 1`;
  });
}

export async function recordFailure(error: string): Promise<void> {
  await getDb().$executeRaw`
    UPDATE wechatpay_certificate_refresh
    SET consecutive_failures = consecutive_failures + 1, last_error = ${error.slice(0, 500)},
        lease_until = CASE WHEN lease_owner = ${OWNER} THEN NULL ELSE lease_until END
    WHERE id = 1`;
}

/** True while another instance holds the lease (it is downloading). */
export async function leaseHeldElsewhere(): Promise<boolean> {
  const [row] = await getDb().$queryRaw<{ held: boolean }[]>`
    SELECT (lease_until IS NOT NULL AND lease_until > now() AND lease_owner <> ${OWNER}) AS held
    FROM wechatpay_certificate_refresh WHERE id = 1`;
  return row?.held ?? false;
}

/**
 * The certificates to trust now: listed by the last successful download, or listed within the last
 * day (a retired certificate's notifications are still being retried). The X.509 window is checked
 * at verification. `listKnown`: a download has ever succeeded (else the configured seed stays trusted).
 */
export async function loadTrustedCertificates(): Promise<{
  certificates: PlatformCertificate[];
  listKnown: boolean;
}> {
  const rows = await getDb().$queryRaw<(PlatformCertificate & { listKnown: boolean })[]>`
    SELECT c.serial_no AS "serialNo", c.certificate_pem AS "certificatePem", c.not_before AS "notBefore",
           c.not_after AS "notAfter", c.effective_time AS "effectiveTime", c.expire_time AS "expireTime",
           r.last_success_at IS NOT NULL AS "listKnown"
    FROM wechatpay_certificate_refresh r
    LEFT JOIN wechatpay_platform_certificates c
      ON c.last_listed_at >= r.last_success_at
      OR c.last_listed_at > now() - ${RETIRED_GRACE_MS} * interval '1 millisecond'
    WHERE r.id = 1
    ORDER BY c.not_after`;
  const listKnown = rows[0]?.listKnown ?? false;
  const certificates = rows
    .filter((row) => row.serialNo !== null)
    .map(({ listKnown: _, ...certificate }) => certificate);
  return { certificates, listKnown };
}

export async function readRefreshState(): Promise<RefreshState> {
  const row = await getDb().wechatpayCertificateRefresh.findUnique({ where: { id: 1 } });
  return {
    lastAttemptAt: row?.lastAttemptAt ?? null,
    lastSuccessAt: row?.lastSuccessAt ?? null,
    lastUnknownSerialAt: row?.lastUnknownSerialAt ?? null,
    consecutiveFailures: row?.consecutiveFailures ?? 0,
    lastError: row?.lastError ?? null,
  };
}
