import type { MerchantIdentity } from './auth';
import type { ApiFault, CallCounter, Endpoint, FaultQueue } from './faults';
import type { Notifier } from './notify';
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
  log: (message: string) => void;
}
