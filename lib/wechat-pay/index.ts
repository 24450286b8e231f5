import 'server-only';

// The public surface of the WeChat Pay adapter. Wire formats (wire.ts) stay private to this folder.

export { createWechatPayClient, type WechatPayClient } from './client';
export { loadWechatPayConfig, type WechatPayConfig } from './config';
export { isWechatPayError, WechatPayError } from './errors';
export { getWechatPayClient, getWechatPayConfig, resetWechatPayForTests } from './from-env';
export {
  checkNotificationHeaders,
  type NotificationResult,
  parsePaymentNotification,
} from './notification';
export { parseRefundNotification } from './refund-notification';
export type {
  NativeOrderInput,
  RefundStatus,
  TradeBill,
  TradeBillRow,
  WechatRefund,
  WechatTransaction,
} from './types';
export type { HeaderSource, SignatureCheck } from './verify';
