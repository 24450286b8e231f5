import 'server-only';
import { createDecipheriv, type KeyObject } from 'node:crypto';
import { decodeStrictBase64 } from './base64';

// AEAD_AES_256_GCM, as WeChat encrypts notification resources: key = APIv3 key, iv = nonce,
// AAD = associated_data, and the last 16 bytes of the decoded ciphertext are the authentication tag.

const TAG_LENGTH = 16;

export type EncryptedResource = {
  ciphertext: string;
  nonce: string;
  /** May be empty; it is authenticated all the same. */
  associatedData: string;
};

export type DecryptFailureReason = 'MALFORMED_CIPHERTEXT' | 'MALFORMED_NONCE' | 'DECRYPTION_FAILED';

export type DecryptResult = { ok: true; plaintext: string } | { ok: false; reason: DecryptFailureReason };

/** Never throws: a wrong key, tampered data or mismatched AAD all come back as DECRYPTION_FAILED. */
export function decryptResource(resource: EncryptedResource, apiV3Key: KeyObject): DecryptResult {
  const sealed = decodeStrictBase64(resource.ciphertext);
  if (!sealed || sealed.length <= TAG_LENGTH) return { ok: false, reason: 'MALFORMED_CIPHERTEXT' };
  if (resource.nonce.length === 0) return { ok: false, reason: 'MALFORMED_NONCE' };

  const ciphertext = sealed.subarray(0, sealed.length - TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - TAG_LENGTH);
  try {
    // Pinning authTagLength stops a shortened tag from being accepted as a weaker check.
    const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(resource.nonce, 'utf8'), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(Buffer.from(resource.associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    // final() is where GCM checks the tag: until it returns, the plaintext is unauthenticated.
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return { ok: true, plaintext: plaintext.toString('utf8') };
  } catch {
    return { ok: false, reason: 'DECRYPTION_FAILED' };
  }
}
