// POST /api/wechat-pay/notify – WeChat Pay's payment notification: verify, decrypt, settle once.
import { NextResponse } from 'next/server';
import { handlePaymentNotification } from '@/lib/orders/handle-payment-notification';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  // The signature covers the exact bytes sent: read the raw text, never a re-serialized object.
  const rawBody = await request.text();
  const answer = await handlePaymentNotification(request.headers, rawBody);
  if (answer.status === 204) return new Response(null, { status: 204 });
  return NextResponse.json(answer.body, { status: answer.status });
}
