import { generateKeyPairSync } from 'node:crypto';
import { randomAlphanumeric, randomDigits, randomUpperHex } from './random';

/**
 * Everything a merchant and the sandbox need to talk to each other, freshly generated. The two RSA pairs
 * stand in for the merchant API key (apiclient_key.pem, whose public half WeChat holds) and WeChat Pay's
 * platform key (published to merchants as pub_key.pem with a PUB_KEY_ID_… id).
 */
export interface DevKeySet {
  mchid: string;
  appid: string;
  /** Serial of the merchant API certificate: 40 uppercase hex characters, like a real one. */
  merchantSerialNo: string;
  /** PKCS#8 PEM, the format of apiclient_key.pem. */
  merchantPrivateKeyPem: string;
  merchantPublicKeyPem: string;
  /** `PUB_KEY_ID_01` followed by 32 digits. */
  wechatpayPublicKeyId: string;
  wechatpayPrivateKeyPem: string;
  /** SPKI PEM, the format of the pub_key.pem WeChat Pay hands out. */
  wechatpayPublicKeyPem: string;
  /** 32 ASCII characters = the 32-byte AES-256 key WeChat requires. */
  apiV3Key: string;
}

export const DEV_MCHID = '1900000001';

function generateRsaPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function generateMerchantKeys(): Pick<
  DevKeySet,
  'merchantSerialNo' | 'merchantPrivateKeyPem' | 'merchantPublicKeyPem'
> {
  const pair = generateRsaPair();
  return {
    merchantSerialNo: randomUpperHex(20),
    merchantPrivateKeyPem: pair.privateKeyPem,
    merchantPublicKeyPem: pair.publicKeyPem,
  };
}

export function generateWechatpayKeys(): Pick<
  DevKeySet,
  'wechatpayPublicKeyId' | 'wechatpayPrivateKeyPem' | 'wechatpayPublicKeyPem'
> {
  const pair = generateRsaPair();
  return {
    wechatpayPublicKeyId: `PUB_KEY_ID_01${randomDigits(32)}`,
    wechatpayPrivateKeyPem: pair.privateKeyPem,
    wechatpayPublicKeyPem: pair.publicKeyPem,
  };
}

export function generateApiV3Key(): string {
  return randomAlphanumeric(32);
}

export function generateAppid(): string {
  return `wx${randomUpperHex(8).toLowerCase()}`;
}

/** No I/O: tests start a sandbox with throwaway keys from this. */
export function generateDevKeySet(): DevKeySet {
  return {
    mchid: DEV_MCHID,
    appid: generateAppid(),
    ...generateMerchantKeys(),
    ...generateWechatpayKeys(),
    apiV3Key: generateApiV3Key(),
  };
}
