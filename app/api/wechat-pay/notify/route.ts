// POST /api/wechat-pay/notify – WeChat Pay's payment notification: screen, verify, decrypt, settle once.
import { NextResponse } from 'next/server';
import { withApiHeaders } from '@/lib/http/api-headers';
import { AppError } from '@/lib/http/app-error';
import { leaveBodyUnread, NOTIFICATION_BODY_LIMIT_BYTES, readBodyWithLimit } from '@/lib/http/read-body';
import { createLogger, withRequestId } from '@/lib/log';
import {
  handlePaymentNotification,
  type NotificationAnswer,
  screenPaymentNotification,
} from '@/lib/orders/handle-payment-notification';

const log = createLogger('notify');

export const dynamic = 'force-dynamic';

export function POST(request: Request): Promise<Response> {
  return withRequestId(request, () => receive(request));
}

async function receive(request: Request): Promise<Response> {
  // Headers first: a request without fresh signature headers naming a key we hold is refused unread.
  const refused = screenPaymentNotification(request.headers);
  if (refused) {
    leaveBodyUnread(request);
    return answer(refused);
  }
  // The signature covers the exact bytes sent: they are verified as bytes, never as decoded text.
  let rawBody: Buffer;
  try {
    rawBody = await readBodyWithLimit(request, NOTIFICATION_BODY_LIMIT_BYTES);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    log.warn({ reason: error.message }, 'notification body refused');
    leaveBodyUnread(request);
    return withApiHeaders(NextResponse.json({ code: 'FAIL', message: 'payload too large' }, { status: 413 }));
  }
  return answer(await handlePaymentNotification(request.headers, rawBody));
}

function answer(notification: NotificationAnswer): Response {
  const response =
    notification.status === 204
      ? new Response(null, { status: 204 })
      : NextResponse.json(notification.body, { status: notification.status });
  return withApiHeaders(response);
}
