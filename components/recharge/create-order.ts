import { apiErrorSchema, type CreatedOrder, createdOrderSchema } from '@/lib/schemas/order';

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
  let response: Response;
  try {
    response = await fetch('/api/orders', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify({ amountFen }),
    });
  } catch {
    return { kind: 'unknown', message: '网络异常，请检查网络后重试' };
  }
  const body: unknown = await response.json().catch(() => null);

  if (response.status === 201 || response.status === 200) {
    const created = createdOrderSchema.safeParse(body);
    return created.success
      ? { kind: 'created', order: created.data }
      : { kind: 'unknown', message: GENERIC_MESSAGE };
  }

  const error = apiErrorSchema.safeParse(body);
  const message = error.success ? error.data.error.message : undefined;
  if (response.status === 422) {
    const fieldMessage = error.success
      ? error.data.error.details?.find((d) => d.field === 'amountFen')?.message
      : undefined;
    return { kind: 'invalid', message: fieldMessage ?? message ?? '充值金额无效' };
  }
  if (response.status === 502 && error.success && error.data.error.code === 'payment_provider_error') {
    return { kind: 'provider-error', message: message ?? '微信支付下单失败，请稍后重试' };
  }
  // 409: the same attempt is still being processed (say, after a lost answer): retry it as it is.
  if (response.status === 409) return { kind: 'unknown', message: message ?? GENERIC_MESSAGE };
  if (response.status === 429) return { kind: 'rejected', message: '操作过于频繁，请稍后再试' };
  if (response.status >= 400 && response.status < 500) return { kind: 'rejected', message: GENERIC_MESSAGE };
  return { kind: 'unknown', message: GENERIC_MESSAGE };
}
