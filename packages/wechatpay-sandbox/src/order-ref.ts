import { z } from 'zod';
import type { SandboxContext } from './context';
import { orderNotExist } from './errors';
import type { Order } from './store';
import { toBeijingRfc3339 } from './time';
import { toTransaction } from './transaction';

// How the control API names an order ({out_trade_no} or {code_url}) and how it shows one.

const orderRef = z.union([z.object({ out_trade_no: z.string() }), z.object({ code_url: z.string() })]);

export function findOrder(ctx: SandboxContext, input: unknown): Order {
  const ref = orderRef.parse(input);
  const order =
    'out_trade_no' in ref ? ctx.store.get(ref.out_trade_no) : ctx.store.getByCodeUrl(ref.code_url);
  if (!order) throw orderNotExist();
  return order;
}

function phonePath(codeUrl: string): string {
  return `/phone?code_url=${encodeURIComponent(codeUrl)}`;
}

export function describeOrder(order: Order, origin: string) {
  const transaction = toTransaction(order);
  return {
    out_trade_no: order.outTradeNo,
    code_url: order.codeUrl,
    phone_url: `${origin}${phonePath(order.codeUrl)}`,
    description: order.description,
    total: order.total,
    ...(order.billTotal !== undefined ? { bill_total: order.billTotal } : {}),
    trade_state: transaction.trade_state,
    notify_url: order.notifyUrl,
    time_expire: order.timeExpire ?? toBeijingRfc3339(order.expiresAtMs),
    created_at: toBeijingRfc3339(order.createdAtMs),
    transaction,
  };
}
