import { NextResponse } from 'next/server';
import { createLogger, withRequestId } from '../log';
import type { NotificationAnswer } from '../orders/handle-payment-notification';
import { screenPaymentNotification } from '../orders/handle-payment-notification';
import { withApiHeaders } from './api-headers';
import { AppError } from './app-error';
import { leaveBodyUnread, NOTIFICATION_BODY_LIMIT_BYTES, readBodyWithLimit } from './read-body';

const log = createLogger('notify');

/**
 * The POST handler of a WeChat Pay notification route (payments, refunds): headers screened first (a
 * request without fresh signature headers naming a key we hold is refused unread), the body read as
 * bytes within the limit (the signature covers the exact bytes), then handed to `handle`.
 */
export function notificationRoute(
  handle: (headers: Headers, rawBody: Uint8Array) => Promise<NotificationAnswer>,
): (request: Request) => Promise<Response> {
  return (request) => withRequestId(request, () => receive(request, handle));
}

async function receive(
  request: Request,
  handle: (headers: Headers, rawBody: Uint8Array) => Promise<NotificationAnswer>,
): Promise<Response> {
  const refused = await screenPaymentNotification(request.headers);
  if (refused) {
    leaveBodyUnread(request);
    return answer(refused);
  }
  let rawBody: Buffer;
  try {
    rawBody = await readBodyWithLimit(request, NOTIFICATION_BODY_LIMIT_BYTES);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    log.warn({ reason: error.message }, 'notification body refused');
    leaveBodyUnread(request);
    return withApiHeaders(NextResponse.json({ code: 'FAIL', message: 'payload too large' }, { status: 413 }));
  }
  return answer(await handle(request.headers, rawBody));
}

function answer(notification: NotificationAnswer): Response {
  const response =
    notification.status === 204
      ? new Response(null, { status: 204 })
      : NextResponse.json(notification.body, { status: notification.status });
  return withApiHeaders(response);
}
