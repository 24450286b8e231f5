import 'server-only';
import type { WechatPayConfig } from './config';
import { type DecryptFailureReason, decryptResource } from './decrypt';
import { parseJson } from './json';
import { type HeaderSource, type SignatureFailureReason, verifyWechatPaySignature } from './verify';
import { notificationEnvelopeSchema } from './wire';

// What every notification from WeChat goes through before anyone looks at its content, whatever it is
// about (a payment, a refund): the signature over the raw bytes, the envelope, the algorithm, the kind of
// resource announced, and the decryption. Each kind then validates its own plaintext.

export type EnvelopeFailureReason =
  | SignatureFailureReason
  | DecryptFailureReason
  | 'MALFORMED_BODY'
  | 'UNSUPPORTED_ALGORITHM'
  | 'UNSUPPORTED_RESOURCE';

export type IncomingNotification = {
  headers: HeaderSource;
  /**
   * The request body exactly as received, as bytes: never text decoded from them, which would turn
   * invalid UTF-8 into U+FFFD and let different bytes pass for the signed ones.
   */
  rawBody: Uint8Array;
};

type OpenedNotification =
  | { ok: true; notificationId: string; eventType: string; resource: unknown }
  | { ok: false; reason: EnvelopeFailureReason };

/** Verified and decrypted; `resource` is the parsed plaintext (undefined when it isn't JSON). */
export function openNotification(
  { headers, rawBody }: IncomingNotification,
  config: Pick<WechatPayConfig, 'verificationKeys' | 'apiV3Key'>,
  now: Date,
  originalType: 'transaction' | 'refund',
): OpenedNotification {
  const signature = verifyWechatPaySignature({ headers, body: rawBody }, config.verificationKeys, now);
  if (!signature.ok) return signature;

  const envelope = notificationEnvelopeSchema.safeParse(parseJson(rawBody));
  if (!envelope.success) return { ok: false, reason: 'MALFORMED_BODY' };
  const { id, event_type, resource } = envelope.data;
  if (resource.algorithm !== 'AEAD_AES_256_GCM') return { ok: false, reason: 'UNSUPPORTED_ALGORITHM' };
  // original_type is optional in practice; when present it must announce the kind the caller handles.
  if (resource.original_type && resource.original_type !== originalType) {
    return { ok: false, reason: 'UNSUPPORTED_RESOURCE' };
  }

  const decrypted = decryptResource(
    {
      ciphertext: resource.ciphertext,
      nonce: resource.nonce,
      associatedData: resource.associated_data ?? '',
    },
    config.apiV3Key,
  );
  if (!decrypted.ok) return decrypted;
  return { ok: true, notificationId: id, eventType: event_type, resource: parseJson(decrypted.plaintext) };
}
