import { getDb } from '@/lib/db';
import { createRechargeOrder } from '@/lib/orders/create-order';

export async function newAccount(): Promise<string> {
  return (await getDb().account.create({ data: {} })).id;
}

export async function balanceOf(accountId: string): Promise<bigint> {
  return (await getDb().account.findUniqueOrThrow({ where: { id: accountId } })).balanceFen;
}

export async function ledgerCount(orderId: string): Promise<number> {
  return getDb().ledgerEntry.count({ where: { orderId } });
}

export async function orderRow(orderId: string) {
  return getDb().paymentOrder.findUniqueOrThrow({ where: { id: orderId } });
}

export async function createOrderFor(accountId: string, amountFen = 1000) {
  return createRechargeOrder({ accountId, amountFen });
}
