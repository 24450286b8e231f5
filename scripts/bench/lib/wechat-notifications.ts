// Payment notifications as WeChat Pay sends them, built by the sandbox's own code (its envelope and
// AES-256-GCM encryption with the APIv3 key, its SHA256-RSA signature with WeChat Pay's private key
// and public key id), so the app verifies them with its configured WeChat Pay public key like any
// other. A duplicate is the same payment notified again: same transaction (same transaction_id and
// success_time), a new notification id and a fresh encryption nonce.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSuccessNotification } from '@recharge/wechatpay-sandbox/notification';
import { WechatpaySigner } from '@recharge/wechatpay-sandbox/signing';
import type { BenchOrder } from './bench-orders';
import type { QueuedRequest } from './request-queue';
import { ROOT } from './settings';

const NOTIFY_PATH = '/api/wechat-pay/notify';

export interface SignedNotification extends QueuedRequest {
  order: BenchOrder;
  duplicate: boolean;
  /** performance.now() when signed (its Wechatpay-Timestamp's second). */
  signedAt: number;
}

export interface NotificationSigner {
  sign(order: BenchOrder, duplicate: boolean): SignedNotification;
}

export function notificationSigner(env: Record<string, string>): NotificationSigner {
  const keyFile = required(env, 'SANDBOX_WECHATPAY_PRIVATE_KEY_FILE');
  const signer = new WechatpaySigner(
    readFileSync(resolve(ROOT, keyFile), 'utf8'),
    required(env, 'WECHATPAY_PUBLIC_KEY_ID'),
  );
  const apiV3Key = required(env, 'WECHATPAY_APIV3_KEY');
  const mchid = required(env, 'WECHATPAY_MCHID');
  const appid = required(env, 'WECHATPAY_APPID');
  // One success time per order: a duplicate repeats the payment, not a new one.
  const successTimes = new Map<string, string>();
  return {
    sign(order, duplicate) {
      let successTime = successTimes.get(order.outTradeNo);
      if (!successTime) {
        successTime = beijingRfc3339(Date.now());
        successTimes.set(order.outTradeNo, successTime);
      }
      // The sandbox's TRANSACTION.SUCCESS resource (packages/wechatpay-sandbox/src/transaction.ts).
      const transaction = {
        appid,
        mchid,
        out_trade_no: order.outTradeNo,
        transaction_id: order.transactionId,
        trade_type: 'NATIVE',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        bank_type: 'OTHERS',
        success_time: successTime,
        payer: { openid: `o-bench-${order.accountId.slice(0, 8)}` },
        amount: {
          total: order.amountFen,
          payer_total: order.amountFen,
          currency: 'CNY',
          payer_currency: 'CNY',
        },
        promotion_detail: [],
      };
      const body = JSON.stringify(buildSuccessNotification(transaction, apiV3Key));
      const signedAt = performance.now();
      return {
        method: 'POST',
        path: NOTIFY_PATH,
        // What the sandbox's notifier sends (its http-client.ts), connection handling aside.
        headers: {
          ...signer.headersFor(body),
          'Content-Type': 'application/json',
          'User-Agent': 'Mozilla/4.0',
        },
        body,
        order,
        duplicate,
        signedAt,
      };
    },
  };
}

/** `2026-11-25T18:30:12+08:00`, as WeChat writes success_time. */
function beijingRfc3339(epochMs: number): string {
  return `${new Date(epochMs + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set in the bench's environment`);
  return value;
}
