import { z } from 'zod';
import type { SandboxContext } from './context';
import { WechatPayError } from './errors';
import { DEFAULT_OVERLAP_MS, VERIFICATION_MODES } from './platform-keys';

// /sandbox/certificates… : which key WeChat signs with, and platform certificate rotation (README.md).

type Handler = (ctx: SandboxContext, body: unknown) => unknown;

const modeSchema = z.object({
  mode: z.enum(VERIFICATION_MODES),
  /** `both` only: the share of notifications signed with the public key, 0…1. */
  notificationPublicKeyShare: z.number().min(0).max(1).optional(),
});

const rotateSchema = z.object({
  /**
   * publish: list a new certificate beside the current one (whose expire_time comes to now + overlapMs);
   * activate: sign with the newest listed one; retire: stop listing and using the others;
   * all: publish, then activate after activateAfterMs, then retire after retireAfterMs more.
   */
  phase: z.enum(['publish', 'activate', 'retire', 'all']),
  overlapMs: z.number().int().positive().default(DEFAULT_OVERLAP_MS),
  activateAfterMs: z.number().int().nonnegative().default(0),
  retireAfterMs: z.number().int().nonnegative().default(0),
});

const unpublishedSchema = z.object({
  responses: z.number().int().nonnegative().default(0),
  notifications: z.number().int().nonnegative().default(1),
});

function requireCertificates(ctx: SandboxContext): void {
  if (ctx.platformKeys.mode === 'public-key') {
    throw new WechatPayError(
      409,
      'PUBLIC_KEY_MODE',
      'the sandbox runs in public-key mode: it has no certificates to rotate',
    );
  }
}

export const certificateControlRoutes: Record<string, Handler> = {
  'GET /sandbox/certificates': (ctx) => ctx.platformKeys.describe(),
  'POST /sandbox/certificates/mode': (ctx, body) => {
    const { mode, notificationPublicKeyShare } = modeSchema.parse(body);
    ctx.platformKeys.mode = mode;
    if (notificationPublicKeyShare !== undefined) {
      ctx.platformKeys.notificationPublicKeyShare = notificationPublicKeyShare;
    }
    return ctx.platformKeys.describe();
  },
  'POST /sandbox/certificates/rotate': (ctx, body) => {
    requireCertificates(ctx);
    const { phase, overlapMs, activateAfterMs, retireAfterMs } = rotateSchema.parse(body);
    const keys = ctx.platformKeys;
    if (phase === 'publish') keys.publish(overlapMs);
    else if (phase === 'activate') keys.activate();
    else if (phase === 'retire') keys.retire();
    else {
      keys.publish(overlapMs);
      ctx.rotationTimers.after(activateAfterMs, () => {
        keys.activate();
        ctx.rotationTimers.after(retireAfterMs, () => keys.retire());
      });
    }
    return keys.describe();
  },
  'POST /sandbox/certificates/sign-unpublished': (ctx, body) => {
    requireCertificates(ctx);
    const counts = unpublishedSchema.parse(body);
    return { serialNo: ctx.platformKeys.signUnpublished(counts), ...ctx.platformKeys.describe() };
  },
};

export function resetCertificates(ctx: SandboxContext): void {
  ctx.rotationTimers.clear();
  ctx.platformKeys.reset();
}
