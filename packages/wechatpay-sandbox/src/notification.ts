import { createCipheriv, randomUUID } from 'node:crypto';
import { randomAlphanumeric } from './random';
import { toBeijingRfc3339 } from './time';

// The TRANSACTION.SUCCESS notification envelope (WeChat Pay "支付通知"): the Transaction is AES-256-GCM encrypted with the APIv3 key,
// ciphertext and 16-byte tag concatenated and base64-encoded, nonce and associated_data in the clear.

const ASSOCIATED_DATA = 'transaction';

interface EncryptedResource {
  original_type: 'transaction';
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

export interface NotificationEnvelope {
  id: string;
  create_time: string;
  event_type: 'TRANSACTION.SUCCESS';
  resource_type: 'encrypt-resource';
  summary: string;
  resource: EncryptedResource;
}

function encryptResource(plaintext: string, apiV3Key: string): EncryptedResource {
  const nonce = randomAlphanumeric(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(ASSOCIATED_DATA, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    original_type: 'transaction',
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: encrypted.toString('base64'),
    associated_data: ASSOCIATED_DATA,
    nonce,
  };
}

/** One event, one id: retries and duplicates resend this same envelope, as WeChat does. */
export function buildSuccessNotification(
  transaction: Record<string, unknown>,
  apiV3Key: string,
  nowMs = Date.now(),
): NotificationEnvelope {
  return {
    id: `EV-${randomUUID()}`,
    create_time: toBeijingRfc3339(nowMs),
    event_type: 'TRANSACTION.SUCCESS',
    resource_type: 'encrypt-resource',
    summary: '支付成功',
    resource: encryptResource(JSON.stringify(transaction), apiV3Key),
  };
}
