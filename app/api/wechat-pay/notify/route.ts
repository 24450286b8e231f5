// POST /api/wechat-pay/notify – WeChat Pay's payment notification: verify, decrypt, settle once.
import { NextResponse } from 'next/server';
import { withApiHeaders } from '@/lib/http/api-headers';
import { AppError } from '@/lib/http/app-error';
import { NOTIFICATION_BODY_LIMIT_BYTES, readBodyWithLimit } from '@/lib/http/read-body';
import { handlePaymentNotification } from '@/lib/orders/handle-payment-notification';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  // The signature covers the exact bytes sent: read the raw text, never a re-serialized object.
  let rawBody: string;
  try {
    rawBody = (await readBodyWithLimit(request, NOTIFICATION_BODY_LIMIT_BYTES)).toString('utf8');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    console.warn(`[notify] refused a notification body: ${error.message}`);
    return withApiHeaders(NextResponse.json({ code: 'FAIL', message: 'payload too large' }, { status: 413 }));
  }
  const answer = await handlePaymentNotification(request.headers, rawBody);
  if (answer.status === 204) return withApiHeaders(new Response(null, { status: 204 }));
  return withApiHeaders(NextResponse.json(answer.body, { status: answer.status }));
}
