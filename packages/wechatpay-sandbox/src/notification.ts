import { createCipheriv, randomUUID } from 'node:crypto';
import { randomAlphanumeric } from './random';
import { toBeijingRfc3339 } from './time';

// The notification envelope (WeChat Pay "支付通知" and "退款结果通知"): the resource (a Transaction, or a
// refund's result) is AES-256-GCM encrypted with the APIv3 key, ciphertext and 16-byte tag concatenated and
// base64-encoded, nonce and associated_data in the clear. associated_data is the original_type, as in
// WeChat's examples.

export type EventType = 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED';
type OriginalType = 'transaction' | 'refund';

const EVENTS: Record<EventType, { originalType: OriginalType; summary: string }> = {
  'TRANSACTION.SUCCESS': { originalType: 'transaction', summary: '支付成功' },
  'REFUND.SUCCESS': { originalType: 'refund', summary: '退款成功' },
  'REFUND.ABNORMAL': { originalType: 'refund', summary: '退款异常' },
  'REFUND.CLOSED': { originalType: 'refund', summary: '退款关闭' },
};

interface EncryptedResource {
  original_type: OriginalType;
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

export interface NotificationEnvelope {
  id: string;
  create_time: string;
  event_type: EventType;
  resource_type: 'encrypt-resource';
  summary: string;
  resource: EncryptedResource;
}

/**
 * AEAD_AES_256_GCM as WeChat seals data for the merchant (notification resources, platform certificates):
 * key = the APIv3 key, a 12-character nonce, the given associated data, and the 16-byte tag appended to the
 * ciphertext before base64.
 */
export function sealWithApiV3Key(
  plaintext: string,
  associatedData: string,
  apiV3Key: string,
): { ciphertext: string; nonce: string } {
  const nonce = randomAlphanumeric(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: encrypted.toString('base64'), nonce };
}

function encryptResource(plaintext: string, originalType: OriginalType, apiV3Key: string): EncryptedResource {
  const { ciphertext, nonce } = sealWithApiV3Key(plaintext, originalType, apiV3Key);
  return {
    original_type: originalType,
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext,
    associated_data: originalType,
    nonce,
  };
}

/** One event, one id: retries and duplicates resend this same envelope, as WeChat does. */
export function buildNotification(
  eventType: EventType,
  resource: Record<string, unknown>,
  apiV3Key: string,
  nowMs = Date.now(),
): NotificationEnvelope {
  const { originalType, summary } = EVENTS[eventType];
  return {
    id: `EV-${randomUUID()}`,
    create_time: toBeijingRfc3339(nowMs),
    event_type: eventType,
    resource_type: 'encrypt-resource',
    summary,
    resource: encryptResource(JSON.stringify(resource), originalType, apiV3Key),
  };
}

/** A TRANSACTION.SUCCESS event for a paid order's Transaction. */
export function buildSuccessNotification(
  transaction: Record<string, unknown>,
  apiV3Key: string,
  nowMs = Date.now(),
): NotificationEnvelope {
  return buildNotification('TRANSACTION.SUCCESS', transaction, apiV3Key, nowMs);
}
