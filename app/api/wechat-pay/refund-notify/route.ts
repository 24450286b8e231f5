// POST /api/wechat-pay/refund-notify – WeChat Pay's refund notification: screen, verify, decrypt, apply once.
import { notificationRoute } from '@/lib/http/notification-route';
import { handleRefundNotification } from '@/lib/refunds/handle-refund-notification';

export const dynamic = 'force-dynamic';

export const POST = notificationRoute(handleRefundNotification);
