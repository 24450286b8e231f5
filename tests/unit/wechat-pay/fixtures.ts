// Shared test data for the adapter's unit tests: a config built from throwaway keys and WeChat-shaped
// payloads. Kept beside the tests because only they should depend on wire shapes.
import { loadWechatPayConfig, type WechatPayConfig } from '@/lib/wechat-pay/config';
import { toWechatPayEnv, type WechatPayTestKeys } from '../../support/wechat-pay-keys';

export const NOW = new Date('2026-11-25T10:00:00Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export function loadTestConfig(keys: WechatPayTestKeys, timeoutMs = 10_000): WechatPayConfig {
  return loadWechatPayConfig(toWechatPayEnv(keys, { WECHATPAY_TIMEOUT_MS: timeoutMs }));
}

/** A paid Native transaction as WeChat's query API and notifications carry it. */
export function buildWireTransaction(keys: WechatPayTestKeys, overrides: Record<string, unknown> = {}) {
  return {
    appid: keys.appid,
    mchid: keys.mchid,
    out_trade_no: 'R20261125ABC123',
    transaction_id: '4200001234202611251234567890',
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: 'account:42',
    success_time: '2026-11-25T18:01:02+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 5000, payer_total: 4900, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides,
  };
}

/** A refund as WeChat's create and query APIs answer it: accepted, not yet through. */
export function buildWireRefund(overrides: Record<string, unknown> = {}) {
  return {
    refund_id: '50300908092026112500012345678',
    out_refund_no: 'RF20261125ABC123',
    transaction_id: '4200001234202611251234567890',
    out_trade_no: 'R20261125ABC123',
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    create_time: '2026-11-25T18:05:00+08:00',
    status: 'PROCESSING',
    funds_account: 'UNSETTLED',
    amount: {
      total: 5000,
      refund: 2000,
      from: [],
      payer_total: 4900,
      payer_refund: 1960,
      settlement_refund: 2000,
      settlement_total: 5000,
      discount_refund: 40,
      currency: 'CNY',
    },
    promotion_detail: [],
    ...overrides,
  };
}
