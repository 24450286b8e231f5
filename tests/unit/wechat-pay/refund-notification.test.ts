import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import { parsePaymentNotification } from '@/lib/wechat-pay/notification';
import { parseRefundNotification } from '@/lib/wechat-pay/refund-notification';
import {
  createWechatPayTestKeys,
  encryptAsWechatPay,
  signAsWechatPay,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';
import { buildWireTransaction, loadTestConfig, NOW, NOW_SECONDS } from './fixtures';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
  config = loadTestConfig(keys);
});

/** The decrypted resource of a refund notification, as WeChat documents it. */
function buildWireRefundResource(overrides: Record<string, unknown> = {}) {
  return {
    mchid: keys.mchid,
    out_trade_no: 'R20261125ABC123',
    transaction_id: '4200001234202611251234567890',
    out_refund_no: 'RF20261125ABC123',
    refund_id: '50300908092026112500012345678',
    refund_status: 'SUCCESS',
    success_time: '2026-11-25T18:06:10+08:00',
    user_received_account: '支付用户零钱',
    amount: { total: 5000, refund: 2000, payer_total: 4900, payer_refund: 1960 },
    ...overrides,
  };
}

type Options = {
  /** The decrypted resource; a string is sent as it is. */
  resource?: unknown;
  associatedData?: string;
  eventType?: string;
  /** Replaces fields of the encrypted resource's wrapper. */
  wrapper?: Record<string, unknown>;
  apiV3Key?: string;
  signingKey?: 'wechatpay' | 'merchant';
  timestamp?: number;
  signature?: string;
};

/** Builds a refund notification the way WeChat Pay does: encrypt the refund, wrap it, sign the raw body. */
function buildRefundNotification(options: Options = {}) {
  const plaintext =
    typeof options.resource === 'string'
      ? options.resource
      : JSON.stringify(options.resource ?? buildWireRefundResource());
  const encrypted = encryptAsWechatPay(
    options.apiV3Key ?? keys.apiV3Key,
    plaintext,
    options.associatedData ?? 'refund',
  );
  const envelope = {
    id: 'EV-2026112518061012345',
    create_time: '2026-11-25T18:06:12+08:00',
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'REFUND.SUCCESS',
    summary: '退款成功',
    resource: { original_type: 'refund', algorithm: 'AEAD_AES_256_GCM', ...encrypted, ...options.wrapper },
  };
  const rawBody = Buffer.from(JSON.stringify(envelope), 'utf8');
  const headers = signAsWechatPay({
    privateKey: options.signingKey === 'merchant' ? keys.merchant.privateKey : keys.wechatpay.privateKey,
    serial: keys.wechatpay.publicKeyId,
    body: rawBody,
    timestamp: options.timestamp ?? NOW_SECONDS,
    signature: options.signature,
  });
  return { headers, rawBody };
}

describe('parseRefundNotification', () => {
  it('verifies, decrypts and reshapes a genuine refund notification, refund_status read as status', () => {
    expect(parseRefundNotification(buildRefundNotification(), config, NOW)).toEqual({
      ok: true,
      notificationId: 'EV-2026112518061012345',
      eventType: 'REFUND.SUCCESS',
      refund: {
        refundId: '50300908092026112500012345678',
        outRefundNo: 'RF20261125ABC123',
        transactionId: '4200001234202611251234567890',
        outTradeNo: 'R20261125ABC123',
        status: 'SUCCESS',
        refundFen: 2000,
        totalFen: 5000,
        payerRefundFen: 1960,
        payerTotalFen: 4900,
        createTime: undefined,
        successTime: new Date('2026-11-25T10:06:10Z'),
        channel: undefined,
        userReceivedAccount: '支付用户零钱',
        fundsAccount: undefined,
      },
    });
  });

  it.each([
    { eventType: 'REFUND.ABNORMAL', status: 'ABNORMAL' },
    { eventType: 'REFUND.CLOSED', status: 'CLOSED' },
  ])('accepts $eventType with the refund in $status and no success time', ({ eventType, status }) => {
    const resource = buildWireRefundResource({ refund_status: status, success_time: undefined });
    const result = parseRefundNotification(buildRefundNotification({ eventType, resource }), config, NOW);
    expect(result).toMatchObject({ ok: true, eventType, refund: { status } });
    expect(result.ok && result.refund.successTime).toBeUndefined();
  });

  it('accepts a resource whose original_type is left out', () => {
    const notification = buildRefundNotification({ wrapper: { original_type: undefined } });
    expect(parseRefundNotification(notification, config, NOW).ok).toBe(true);
  });

  it('authenticates a resource without associated_data as one with empty associated data', () => {
    const notification = buildRefundNotification({
      associatedData: '',
      wrapper: { associated_data: undefined },
    });
    expect(parseRefundNotification(notification, config, NOW).ok).toBe(true);
  });

  it('parses the same notification delivered twice to the same result (duplicates are normal)', () => {
    const notification = buildRefundNotification();
    const first = parseRefundNotification(notification, config, NOW);
    const again = parseRefundNotification(notification, config, NOW);
    expect(again).toEqual(first);
    expect(again.ok).toBe(true);
  });

  it('checks against the current time when not given one', () => {
    const fresh = buildRefundNotification({ timestamp: Math.floor(Date.now() / 1000) });
    expect(parseRefundNotification(fresh, config).ok).toBe(true);
  });

  it.each<{ name: string; build: () => ReturnType<typeof buildRefundNotification>; reason: string }>([
    {
      name: 'a signature by another key',
      build: () => buildRefundNotification({ signingKey: 'merchant' }),
      reason: 'SIGNATURE_MISMATCH',
    },
    {
      name: 'a body changed after signing',
      build: () => {
        const { headers, rawBody } = buildRefundNotification();
        return { headers, rawBody: Buffer.from(rawBody.toString('utf8').replace('退款成功', '退款失败')) };
      },
      reason: 'SIGNATURE_MISMATCH',
    },
    {
      name: 'the probe signature',
      build: () => buildRefundNotification({ signature: 'WECHATPAY/SIGNTEST/ZmFrZQ==' }),
      reason: 'PROBE_SIGNATURE',
    },
    {
      name: 'a replay older than 5 minutes',
      build: () => buildRefundNotification({ timestamp: NOW_SECONDS - 301 }),
      reason: 'STALE_TIMESTAMP',
    },
    {
      name: 'an algorithm other than AEAD_AES_256_GCM',
      build: () => buildRefundNotification({ wrapper: { algorithm: 'AEAD_SM4_GCM' } }),
      reason: 'UNSUPPORTED_ALGORITHM',
    },
    {
      name: 'a resource announced as a transaction',
      build: () => buildRefundNotification({ wrapper: { original_type: 'transaction' } }),
      reason: 'UNSUPPORTED_RESOURCE',
    },
    {
      name: 'a resource encrypted with another APIv3 key',
      build: () => buildRefundNotification({ apiV3Key: 'ZYXWVUTSRQPONMLKJIHGFEDCBA987654' }),
      reason: 'DECRYPTION_FAILED',
    },
    {
      name: 'a ciphertext that is not base64',
      build: () => buildRefundNotification({ wrapper: { ciphertext: '%%%%' } }),
      reason: 'MALFORMED_CIPHERTEXT',
    },
    {
      name: 'a payment event',
      build: () => buildRefundNotification({ eventType: 'TRANSACTION.SUCCESS' }),
      reason: 'UNSUPPORTED_EVENT_TYPE',
    },
    {
      name: 'an undocumented refund event',
      build: () => buildRefundNotification({ eventType: 'REFUND.PROCESSING' }),
      reason: 'UNSUPPORTED_EVENT_TYPE',
    },
    {
      name: 'an event type in lower case',
      build: () => buildRefundNotification({ eventType: 'refund.success' }),
      reason: 'UNSUPPORTED_EVENT_TYPE',
    },
    {
      name: 'a refund for another merchant',
      build: () => buildRefundNotification({ resource: buildWireRefundResource({ mchid: '1900009999' }) }),
      reason: 'MERCHANT_MISMATCH',
    },
    {
      name: 'an unknown refund_status',
      build: () =>
        buildRefundNotification({ resource: buildWireRefundResource({ refund_status: 'REFUNDED' }) }),
      reason: 'INVALID_REFUND',
    },
    {
      name: 'a status under `status` instead of `refund_status`',
      build: () =>
        buildRefundNotification({
          resource: { ...buildWireRefundResource({ refund_status: undefined }), status: 'SUCCESS' },
        }),
      reason: 'INVALID_REFUND',
    },
    {
      name: 'no mchid',
      build: () => buildRefundNotification({ resource: buildWireRefundResource({ mchid: undefined }) }),
      reason: 'INVALID_REFUND',
    },
    {
      name: 'a fractional refund amount',
      build: () =>
        buildRefundNotification({
          resource: buildWireRefundResource({ amount: { total: 5000, refund: 20.5 } }),
        }),
      reason: 'INVALID_REFUND',
    },
    {
      name: 'a payment’s transaction where a refund should be',
      build: () =>
        buildRefundNotification({
          resource: buildWireTransaction(keys),
          wrapper: { original_type: undefined },
        }),
      reason: 'INVALID_REFUND',
    },
    {
      name: 'a plaintext that is not JSON',
      build: () => buildRefundNotification({ resource: 'not json' }),
      reason: 'INVALID_REFUND',
    },
  ])('rejects $name with $reason', ({ build, reason }) => {
    expect(parseRefundNotification(build(), config, NOW)).toEqual({ ok: false, reason });
  });

  it('rejects a body that is not a notification envelope as MALFORMED_BODY', () => {
    const rawBody = Buffer.from('{"id":"EV-1","event_type":"REFUND.SUCCESS"}');
    const headers = signAsWechatPay({
      privateKey: keys.wechatpay.privateKey,
      serial: keys.wechatpay.publicKeyId,
      body: rawBody,
      timestamp: NOW_SECONDS,
    });
    expect(parseRefundNotification({ headers, rawBody }, config, NOW)).toEqual({
      ok: false,
      reason: 'MALFORMED_BODY',
    });
  });
});

describe('parsePaymentNotification keeps refusing refunds', () => {
  it('refuses a refund notification announced as such: UNSUPPORTED_RESOURCE', () => {
    expect(parsePaymentNotification(buildRefundNotification(), config, NOW)).toEqual({
      ok: false,
      reason: 'UNSUPPORTED_RESOURCE',
    });
  });

  it('refuses a refund resource without original_type: it is no transaction', () => {
    const notification = buildRefundNotification({ wrapper: { original_type: undefined } });
    expect(parsePaymentNotification(notification, config, NOW)).toEqual({
      ok: false,
      reason: 'INVALID_TRANSACTION',
    });
  });
});
