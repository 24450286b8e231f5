import type { MerchantIdentity } from './auth';
import type { ApiFault, CallCounter, Endpoint, FaultQueue } from './faults';
import type { SandboxLogger } from './logger';
import type { LoginApp, LoginStore } from './login-store';
import type { Notifier } from './notify';
import type { OAuthFault, SnsEndpoint } from './oauth-faults';
import type { WechatpaySigner } from './signing';
import type { OrderStore } from './store';

/** Everything the route handlers share; one per running sandbox. */
export interface SandboxContext {
  mchid: string;
  appid: string;
  merchantName: string;
  merchant: MerchantIdentity;
  signer: WechatpaySigner;
  store: OrderStore;
  notifier: Notifier;
  apiFaults: FaultQueue<ApiFault>;
  calls: CallCounter<Endpoint>;
  /** The one simulated payer: every payment comes from this openid. */
  payerOpenid: string;
  /** Website applications that can sign users in, by appid. */
  loginApps: Map<string, LoginApp>;
  logins: LoginStore;
  oauthFaults: FaultQueue<OAuthFault>;
  loginCalls: CallCounter<SnsEndpoint>;
  /** Longest hold of a long poll whose answer has not changed (WeChat: about 25 s). */
  loginPollHoldMs: number;
  logger: SandboxLogger;
}
