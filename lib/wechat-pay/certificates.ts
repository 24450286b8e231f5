import 'server-only';
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { VerificationKey, WechatPayConfig } from './config';
import { decryptResource } from './decrypt';
import { WechatPayError } from './errors';
import { sendCertificatesRequest, type Transport } from './http';
import { parseJson } from './json';
import { normalizeSerial } from './serial';
import { verifyWechatPaySignature } from './verify';
import { certificatesResponseSchema } from './wire';

// 下载平台证书 (GET /v3/certificates): WeChat's platform certificates, each sealed with the merchant's
// APIv3 key (AEAD_AES_256_GCM). Only the holder of the APIv3 key can read them, which is what makes the
// list trustworthy before any certificate is known: the answer is then verified with the certificates it
// carries (as WeChat's own SDKs do on first download) or with a key already held.

export type PlatformCertificate = {
  /** Normalised (uppercase hex, no leading zeros), as Wechatpay-Serial is looked up. */
  serialNo: string;
  certificatePem: string;
  /** The X.509 validity window: the certificate is trusted only inside it. */
  notBefore: Date;
  notAfter: Date;
  /** WeChat's effective_time and expire_time (the latter brought forward during a rotation). */
  effectiveTime: Date;
  expireTime: Date;
};

export async function downloadPlatformCertificates(
  config: WechatPayConfig,
  transport: Transport,
): Promise<PlatformCertificate[]> {
  const response = await sendCertificatesRequest(config, transport);
  const text = new TextDecoder().decode(response.body);
  const parsed = certificatesResponseSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    throw new WechatPayError({
      code: 'INVALID_RESPONSE',
      message: `GET /v3/certificates answered HTTP ${response.status} with an unexpected body`,
      httpStatus: response.status,
      detail: parsed.error.issues.map(({ path, message }) => ({ path: path.join('.'), message })),
    });
  }

  const certificates = parsed.data.data.map((entry) => openCertificate(entry, config));
  const known = new Map<string, VerificationKey>(config.verificationKeys);
  for (const certificate of certificates) known.set(certificate.serialNo, toVerificationKey(certificate));
  const check = verifyWechatPaySignature(
    { headers: response.headers, body: response.body },
    known,
    transport.now(),
  );
  if (!check.ok) {
    throw new WechatPayError({
      code: 'INVALID_SIGNATURE',
      message: `WeChat Pay certificate list signature rejected (${check.reason}) on HTTP ${response.status}`,
      httpStatus: response.status,
      detail: { reason: check.reason, serial: check.serial },
      retryable: check.reason === 'PROBE_SIGNATURE' ? true : undefined,
    });
  }
  return certificates;
}

export function toVerificationKey(certificate: PlatformCertificate): VerificationKey {
  return {
    publicKey: new X509Certificate(certificate.certificatePem).publicKey,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}

type CertificateEntry = (typeof certificatesResponseSchema)['_output']['data'][number];

function openCertificate(entry: CertificateEntry, config: WechatPayConfig): PlatformCertificate {
  const sealed = entry.encrypt_certificate;
  const invalid = (message: string, detail?: unknown) =>
    new WechatPayError({
      code: 'INVALID_RESPONSE',
      message,
      detail: { serial: entry.serial_no, ...(detail as object) },
    });
  if (sealed.algorithm !== 'AEAD_AES_256_GCM') {
    throw invalid(`platform certificate ${entry.serial_no} sealed with ${sealed.algorithm}`);
  }
  const opened = decryptResource(
    { ciphertext: sealed.ciphertext, nonce: sealed.nonce, associatedData: sealed.associated_data },
    config.apiV3Key,
  );
  if (!opened.ok) {
    // Only WeChat and the merchant hold the APIv3 key: a tag that doesn't verify means ours is not the one
    // set in the merchant portal (the usual cause), or the answer was tampered with.
    throw new WechatPayError({
      code: 'APIV3_KEY_MISMATCH',
      message: `WECHATPAY_APIV3_KEY does not decrypt WeChat Pay's platform certificate ${entry.serial_no} (${opened.reason})`,
      detail: { serial: entry.serial_no, reason: opened.reason },
      retryable: false,
    });
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(opened.plaintext);
  } catch (error) {
    throw invalid(`platform certificate ${entry.serial_no} is not an X.509 certificate`, {
      error: String(error),
    });
  }
  const serialNo = normalizeSerial(entry.serial_no);
  if (normalizeSerial(x509.serialNumber) !== serialNo) {
    throw invalid(`platform certificate listed as ${entry.serial_no} has serial ${x509.serialNumber}`);
  }
  const publicKey = x509.publicKey;
  if (publicKey.asymmetricKeyType !== 'rsa' || (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw invalid(`platform certificate ${entry.serial_no} is not an RSA key of at least 2048 bits`);
  }
  const merchantPublic = createPublicKey(config.merchantPrivateKey).export({ type: 'spki', format: 'der' });
  if (merchantPublic.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    throw invalid(`platform certificate ${entry.serial_no} carries the merchant's own key`);
  }
  return {
    serialNo,
    certificatePem: x509.toString(),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    effectiveTime: new Date(entry.effective_time),
    expireTime: new Date(entry.expire_time),
  };
}
