import { createSecretKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptResource, type EncryptedResource } from '@/lib/wechat-pay/decrypt';
import { encryptAsWechatPay } from '../../support/wechat-pay-keys';

const API_V3_KEY = 'abcdefghijklmnopqrstuvwxyz012345';
const OTHER_KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const PLAINTEXT = '{"out_trade_no":"R20261125ABC123","trade_state":"SUCCESS"}';
const key = createSecretKey(Buffer.from(API_V3_KEY, 'utf8'));

let sealed: EncryptedResource;
beforeAll(() => {
  const wire = encryptAsWechatPay(API_V3_KEY, PLAINTEXT, 'transaction', 'fdasflkja484');
  sealed = { ciphertext: wire.ciphertext, nonce: wire.nonce, associatedData: wire.associated_data };
});

function flipByte(base64: string, fromEnd: number): string {
  const bytes = Buffer.from(base64, 'base64');
  const index = bytes.length - fromEnd;
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('decryptResource', () => {
  it('decrypts an AEAD_AES_256_GCM resource with the APIv3 key, nonce and associated data', () => {
    expect(decryptResource(sealed, key)).toEqual({ ok: true, plaintext: PLAINTEXT });
  });

  it('decrypts a resource whose associated data is empty', () => {
    const wire = encryptAsWechatPay(API_V3_KEY, PLAINTEXT, '');
    const resource = { ciphertext: wire.ciphertext, nonce: wire.nonce, associatedData: '' };
    expect(decryptResource(resource, key)).toEqual({ ok: true, plaintext: PLAINTEXT });
  });

  it.each<{ name: string; change: () => { resource: EncryptedResource; apiV3Key?: string }; reason: string }>(
    [
      {
        name: 'a flipped bit in the authentication tag',
        change: () => ({ resource: { ...sealed, ciphertext: flipByte(sealed.ciphertext, 1) } }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'a flipped bit in the ciphertext proper',
        change: () => ({ resource: { ...sealed, ciphertext: flipByte(sealed.ciphertext, 20) } }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'mismatched associated data',
        change: () => ({ resource: { ...sealed, associatedData: 'certificate' } }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'associated data dropped',
        change: () => ({ resource: { ...sealed, associatedData: '' } }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'the wrong APIv3 key',
        change: () => ({ resource: sealed, apiV3Key: OTHER_KEY }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'the wrong nonce',
        change: () => ({ resource: { ...sealed, nonce: 'fdasflkja485' } }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'a ciphertext truncated by one byte',
        change: () => ({
          resource: {
            ...sealed,
            ciphertext: Buffer.from(sealed.ciphertext, 'base64').subarray(0, -1).toString('base64'),
          },
        }),
        reason: 'DECRYPTION_FAILED',
      },
      {
        name: 'a ciphertext shorter than the 16-byte tag',
        change: () => ({ resource: { ...sealed, ciphertext: Buffer.alloc(16).toString('base64') } }),
        reason: 'MALFORMED_CIPHERTEXT',
      },
      {
        name: 'a ciphertext that is not base64',
        change: () => ({ resource: { ...sealed, ciphertext: `${sealed.ciphertext.slice(0, -4)}$$$$` } }),
        reason: 'MALFORMED_CIPHERTEXT',
      },
      {
        name: 'an empty ciphertext',
        change: () => ({ resource: { ...sealed, ciphertext: '' } }),
        reason: 'MALFORMED_CIPHERTEXT',
      },
      {
        name: 'an empty nonce',
        change: () => ({ resource: { ...sealed, nonce: '' } }),
        reason: 'MALFORMED_NONCE',
      },
    ],
  )('rejects $name with $reason instead of throwing', ({ change, reason }) => {
    const { resource, apiV3Key } = change();
    const usedKey = apiV3Key ? createSecretKey(Buffer.from(apiV3Key, 'utf8')) : key;
    expect(decryptResource(resource, usedKey)).toEqual({ ok: false, reason });
  });
});
