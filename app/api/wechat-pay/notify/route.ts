// POST /api/wechat-pay/notify – WeChat Pay's payment notification: screen, verify, decrypt, settle once.
import { notificationRoute } from '@/lib/http/notification-route';
import { handlePaymentNotification } from '@/lib/orders/handle-payment-notification';

export const dynamic = 'force-dynamic';

export const POST = notificationRoute(handlePaymentNotification);
