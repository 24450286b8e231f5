import type { ApiResult } from './api';
import type { SandboxContext } from './context';
import { resourceNotExists } from './errors';
import { sealWithApiV3Key } from './notification';
import { toBeijingRfc3339 } from './time';

// GET /v3/certificates (下载平台证书): every listed platform certificate, each sealed with the merchant's
// APIv3 key (AEAD_AES_256_GCM, associated_data "certificate") so that only the merchant can read it. A
// merchant on the WeChat Pay public key only gets WeChat's 404 RESOURCE_NOT_EXISTS.

export function listCertificates(ctx: SandboxContext): ApiResult {
  if (ctx.platformKeys.mode === 'public-key') {
    throw resourceNotExists('无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥');
  }
  const data = ctx.platformKeys.listed().map((certificate) => {
    const sealed = sealWithApiV3Key(certificate.pem, 'certificate', ctx.apiV3Key);
    return {
      serial_no: certificate.serialNo,
      effective_time: toBeijingRfc3339(certificate.notBefore.getTime()),
      expire_time: toBeijingRfc3339(certificate.expireTime.getTime()),
      encrypt_certificate: {
        algorithm: 'AEAD_AES_256_GCM',
        nonce: sealed.nonce,
        associated_data: 'certificate',
        ciphertext: sealed.ciphertext,
      },
    };
  });
  return { status: 200, body: { data } };
}
