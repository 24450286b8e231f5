import type { CreatedOrder } from '../schemas/order-status';
import { decodeCreatedOrder } from './answers';
import { type ApiAnswer, callApi, decodeApiError } from './call-api';
import { ORDERS_PATH } from './paths';

export type CreateOrderOutcome =
  | { kind: 'created'; order: CreatedOrder }
  /** 422: the message belongs next to the amount field. */
  | { kind: 'invalid'; message: string }
  /**
   * 502: WeChat Pay refused or failed and the order is marked FAILED; nothing payable exists, and
   * the server would replay this failure for the same key, so a retry needs a new one.
   */
  | { kind: 'provider-error'; message: string }
  /** The server answered with another error: nothing was created. */
  | { kind: 'rejected'; message: string }
  /** No usable answer (network, 5xx, 409): an order may or may not exist, so a retry reuses the key. */
  | { kind: 'unknown'; message: string };

const GENERIC_MESSAGE = '下单失败，请稍后重试';

/** POST /api/orders. Never throws: every way it can end is an outcome the form knows how to show. */
export async function createOrder(amountFen: number, idempotencyKey: string): Promise<CreateOrderOutcome> {
  let answer: ApiAnswer;
  try {
    answer = await callApi(ORDERS_PATH, {
      method: 'POST',
      headers: { 'Idempotency-Key': idempotencyKey },
      json: { amountFen },
    });
  } catch {
    return { kind: 'unknown', message: '网络异常，请检查网络后重试' };
  }
  const { status, body } = answer;

  if (status === 201 || status === 200) {
    const order = decodeCreatedOrder(body);
    return order ? { kind: 'created', order } : { kind: 'unknown', message: GENERIC_MESSAGE };
  }

  const error = decodeApiError(body);
  const message = error?.message;
  if (status === 422) {
    const fieldMessage = error?.details?.find((d) => d.field === 'amountFen')?.message;
    return { kind: 'invalid', message: fieldMessage ?? message ?? '充值金额无效' };
  }
  if (status === 502 && error?.code === 'payment_provider_error') {
    return { kind: 'provider-error', message: message ?? '微信支付下单失败，请稍后重试' };
  }
  // 409: the same attempt is still being processed (say, after a lost answer): retry it as it is.
  if (status === 409) return { kind: 'unknown', message: message ?? GENERIC_MESSAGE };
  // Over a limit (429) or WeChat Pay busy (503 provider_busy): nothing was created; the server's
  // message says when to try again.
  if (status === 429) return { kind: 'rejected', message: message ?? '操作过于频繁，请稍后再试' };
  if (status === 503 && error?.code === 'provider_busy') {
    return { kind: 'rejected', message: message ?? '微信支付繁忙，请稍后再试' };
  }
  if (status >= 400 && status < 500) return { kind: 'rejected', message: GENERIC_MESSAGE };
  return { kind: 'unknown', message: GENERIC_MESSAGE };
}
