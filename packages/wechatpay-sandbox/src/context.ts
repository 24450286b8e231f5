import type { MerchantIdentity } from './auth';
import type { BillFiles } from './bill-files';
import type { ApiFault, CallCounter, Endpoint, FaultQueue, RefundFaults } from './faults';
import type { FeeRate } from './fee-rate';
import type { SandboxLogger } from './logger';
import type { LoginApp, LoginStore } from './login-store';
import type { Notifier } from './notify';
import type { OAuthFault, SnsEndpoint } from './oauth-faults';
import type { PlatformKeys } from './platform-keys';
import type { RefundStore } from './refund-store';
import type { OrderStore } from './store';
import type { Timers } from './timers';

/** Everything the route handlers share; one per running sandbox. */
export interface SandboxContext {
  mchid: string;
  appid: string;
  merchantName: string;
  merchant: MerchantIdentity;
  /** Which key signs answers and notifications: the public key and/or platform certificates. */
  platformKeys: PlatformKeys;
  /** Seals notification resources and platform certificates. */
  apiV3Key: string;
  /** A rotation's later phases (POST /sandbox/certificates/rotate with phase all). */
  rotationTimers: Timers;
  store: OrderStore;
  notifier: Notifier;
  apiFaults: FaultQueue<ApiFault>;
  calls: CallCounter<Endpoint>;
  /** The one simulated payer: every payment comes from this openid. */
  payerOpenid: string;
  refunds: RefundStore;
  refundFaults: RefundFaults;
  /** Settles PROCESSING refunds (SUCCESS) after refundDelayMs. */
  refundTimers: Timers;
  refundDelayMs: number;
  /** The merchant's configured refund notify URL (商户平台-交易中心-退款管理-退款配置), if any. */
  refundNotifyUrl: string | undefined;
  feeRate: FeeRate;
  /** Trade bill files waiting to be downloaded, by token. */
  bills: BillFiles;
  /** Website applications that can sign users in, by appid. */
  loginApps: Map<string, LoginApp>;
  logins: LoginStore;
  oauthFaults: FaultQueue<OAuthFault>;
  loginCalls: CallCounter<SnsEndpoint>;
  /** Longest hold of a long poll whose answer has not changed (WeChat: about 25 s). */
  loginPollHoldMs: number;
  logger: SandboxLogger;
}
