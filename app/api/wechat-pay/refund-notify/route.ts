// POST /api/wechat-pay/refund-notify – WeChat Pay's refund notification: screen, verify, decrypt, apply once.
import { NextResponse } from 'next/server';
import { withApiHeaders } from '@/lib/http/api-headers';
import { AppError } from '@/lib/http/app-error';
import { leaveBodyUnread, NOTIFICATION_BODY_LIMIT_BYTES, readBodyWithLimit } from '@/lib/http/read-body';
import { createLogger, withRequestId } from '@/lib/log';
import { type NotificationAnswer, screenPaymentNotification } from '@/lib/orders/handle-payment-notification';
import { handleRefundNotification } from '@/lib/refunds/handle-refund-notification';

const log = createLogger('refund-notify');

export const dynamic = 'force-dynamic';

export function POST(request: Request): Promise<Response> {
  return withRequestId(request, () => receive(request));
}

async function receive(request: Request): Promise<Response> {
  // The same header screen as payment notifications: refused unread unless signed by a key we hold.
  const refused = screenPaymentNotification(request.headers);
  if (refused) {
    leaveBodyUnread(request);
    return answer(refused);
  }
  let rawBody: Buffer;
  try {
    rawBody = await readBodyWithLimit(request, NOTIFICATION_BODY_LIMIT_BYTES);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    log.warn({ reason: error.message }, 'refund notification body refused');
    leaveBodyUnread(request);
    return withApiHeaders(NextResponse.json({ code: 'FAIL', message: 'payload too large' }, { status: 413 }));
  }
  return answer(await handleRefundNotification(request.headers, rawBody));
}

function answer(notification: NotificationAnswer): Response {
  const response =
    notification.status === 204
      ? new Response(null, { status: 204 })
      : NextResponse.json(notification.body, { status: notification.status });
  return withApiHeaders(response);
}
