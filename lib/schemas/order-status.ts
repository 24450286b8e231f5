// The order shapes the browser and the API share, as types, and which statuses are final. No zod
// here: client code imports this module, and zod stays on the server (lib/schemas/order.ts validates
// requests there; lib/api-client/answers.ts checks the server's answers in the browser with valibot).

export const ORDER_STATUSES = ['PENDING', 'PAID', 'FAILED', 'CLOSED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['PAID', 'FAILED', 'CLOSED']);
export function isFinalStatus(status: OrderStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** What the status route answers and the page polls. */
export interface OrderStatusView {
  orderId: string;
  status: OrderStatus;
  amountFen: number;
  /** Why a FAILED / CLOSED order ended, in words for the payer. */
  reason?: string;
  updatedAt: string;
}

/** 201 answer of POST /api/orders. */
export interface CreatedOrder {
  orderId: string;
  outTradeNo: string;
  amountFen: number;
  codeUrl: string;
  expiresAt: string;
  status: OrderStatusView;
}

/** Error body of every API route. */
export interface ApiError {
  error: {
    code: string;
    message: string;
    details?: { field: string; message: string }[];
  };
}
