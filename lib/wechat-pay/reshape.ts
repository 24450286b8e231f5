// Wire → app. Small pure functions, so that the mapping that decides "paid or not" is easy to read
// and test in isolation.
import type { PaymentStatus, TradeBillDownload, TradeState, WechatRefund, WechatTransaction } from './types';
import type { WireRefund, WireTradeBillResponse, WireTradeState, WireTransaction } from './wire';

// A total Record (rather than a switch with a default) makes a new trade_state a compile error here.
const STATUS_BY_TRADE_STATE: Record<WireTradeState, PaymentStatus> = {
  // REFUND means the payment succeeded and was (partly) refunded later: the money did arrive.
  SUCCESS: 'PAID',
  REFUND: 'PAID',
  NOTPAY: 'PENDING',
  USERPAYING: 'PENDING',
  PAYERROR: 'FAILED',
  REVOKED: 'FAILED',
  CLOSED: 'CLOSED',
};

export function mapTradeState(tradeState: TradeState): PaymentStatus {
  return STATUS_BY_TRADE_STATE[tradeState];
}

export function reshapeTransaction(wire: WireTransaction): WechatTransaction {
  return {
    outTradeNo: wire.out_trade_no,
    transactionId: nonEmpty(wire.transaction_id),
    status: mapTradeState(wire.trade_state),
    tradeState: wire.trade_state,
    amountFen: wire.amount.total,
    payerTotalFen: wire.amount.payer_total ?? undefined,
    mchid: wire.mchid,
    appid: wire.appid,
    successTime: wire.success_time ? new Date(wire.success_time) : undefined,
    attach: nonEmpty(wire.attach),
  };
}

/** Query and create answers carry `status`; a notification's `refund_status` is passed in as `status`. */
export function reshapeRefund(wire: WireRefund): WechatRefund {
  return {
    refundId: wire.refund_id,
    outRefundNo: wire.out_refund_no,
    transactionId: wire.transaction_id,
    outTradeNo: wire.out_trade_no,
    status: wire.status,
    refundFen: wire.amount.refund,
    totalFen: wire.amount.total,
    payerRefundFen: wire.amount.payer_refund ?? undefined,
    payerTotalFen: wire.amount.payer_total ?? undefined,
    createTime: wire.create_time ? new Date(wire.create_time) : undefined,
    successTime: wire.success_time ? new Date(wire.success_time) : undefined,
    channel: nonEmpty(wire.channel),
    userReceivedAccount: nonEmpty(wire.user_received_account),
    fundsAccount: nonEmpty(wire.funds_account),
  };
}

export function reshapeTradeBillDownload(wire: WireTradeBillResponse): TradeBillDownload {
  return { downloadUrl: wire.download_url, hashType: wire.hash_type, hashValue: wire.hash_value };
}

// WeChat sends "" as well as omitting a field; the app should only ever see "absent".
function nonEmpty(value: string | null | undefined): string | undefined {
  return value ? value : undefined;
}
