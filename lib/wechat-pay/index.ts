import 'server-only';

// The public surface of the WeChat Pay adapter. Wire formats (wire.ts) stay private to this folder.

export { createWechatPayClient, type WechatPayClient, type WechatPayClientOptions } from './client';
export { loadWechatPayConfig, type VerificationKey, type WechatPayConfig, type WechatPayEnv } from './config';
export { isWechatPayError, type LocalErrorCode, WechatPayError, type WechatPayErrorCode } from './errors';
export { getWechatPayClient, getWechatPayConfig, resetWechatPayForTests } from './from-env';
export {
  type IncomingNotification,
  type NotificationFailureReason,
  type NotificationResult,
  parsePaymentNotification,
} from './notification';
export { mapTradeState } from './reshape';
export type {
  NativeOrder,
  NativeOrderInput,
  PaymentNotification,
  PaymentStatus,
  TradeState,
  WechatTransaction,
} from './types';
export { type HeaderSource, type SignatureFailureReason, verifyWechatPaySignature } from './verify';
