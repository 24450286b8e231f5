import { verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildAuthorizationHeader,
  buildRequestSignatureMessage,
  createNonce,
  type RequestSignatureInput,
} from '@/lib/wechat-pay/sign';
import { createWechatPayTestKeys, type WechatPayTestKeys } from '../../support/wechat-pay-keys';

let keys: WechatPayTestKeys;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
});

describe('buildRequestSignatureMessage', () => {
  it.each<{ name: string; input: RequestSignatureInput; expected: string }>([
    {
      name: 'POST: five lines, the JSON body line included, each ending with \\n',
      input: {
        method: 'POST',
        pathWithQuery: '/v3/pay/transactions/native',
        timestamp: 1764064800,
        nonce: 'ABC123',
        body: '{"mchid":"1900000001"}',
      },
      expected: 'POST\n/v3/pay/transactions/native\n1764064800\nABC123\n{"mchid":"1900000001"}\n',
    },
    {
      name: 'GET: the query is part of the path line and the body line is empty but still terminated',
      input: {
        method: 'GET',
        pathWithQuery: '/v3/pay/transactions/out-trade-no/R123456?mchid=1900000001',
        timestamp: 1764064800,
        nonce: 'N',
        body: '',
      },
      expected: 'GET\n/v3/pay/transactions/out-trade-no/R123456?mchid=1900000001\n1764064800\nN\n\n',
    },
  ])('$name', ({ input, expected }) => {
    expect(buildRequestSignatureMessage(input)).toBe(expected);
  });
});

describe('buildAuthorizationHeader', () => {
  const request: RequestSignatureInput = {
    method: 'POST',
    pathWithQuery: '/v3/pay/transactions/out-trade-no/R123456/close',
    timestamp: 1764064800,
    nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
    body: '{"mchid":"1900000001"}',
  };

  function authorize() {
    return buildAuthorizationHeader({
      ...request,
      mchid: keys.mchid,
      merchantSerialNo: keys.merchant.serialNo,
      merchantPrivateKey: keys.merchant.privateKey,
    });
  }

  function parse(header: string) {
    const match = /^WECHATPAY2-SHA256-RSA2048 (.+)$/.exec(header);
    expect(match).not.toBeNull();
    return Object.fromEntries(
      (match?.[1] ?? '').split(',').map((pair) => {
        const parsed = /^(\w+)="([^"]*)"$/.exec(pair);
        expect(parsed, pair).not.toBeNull();
        return [parsed?.[1], parsed?.[2]];
      }),
    ) as Record<string, string>;
  }

  it('carries mchid, nonce_str, timestamp, serial_no and signature in the WECHATPAY2-SHA256-RSA2048 scheme', () => {
    const params = parse(authorize());
    expect(Object.keys(params).sort()).toEqual(['mchid', 'nonce_str', 'serial_no', 'signature', 'timestamp']);
    expect(params).toMatchObject({
      mchid: keys.mchid,
      nonce_str: request.nonce,
      timestamp: String(request.timestamp),
      serial_no: keys.merchant.serialNo,
    });
  });

  it('signs the request message so that the merchant public key verifies it', () => {
    const { signature = '' } = parse(authorize());
    const message = Buffer.from(buildRequestSignatureMessage(request));
    expect(verify('sha256', message, keys.merchant.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
  });

  it('produces a signature that does not verify for a different body', () => {
    const { signature = '' } = parse(authorize());
    const other = Buffer.from(buildRequestSignatureMessage({ ...request, body: '{"mchid":"1900000002"}' }));
    expect(verify('sha256', other, keys.merchant.publicKey, Buffer.from(signature, 'base64'))).toBe(false);
  });
});

describe('createNonce', () => {
  it('returns 32 hex characters, different every time', () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9A-F]{32}$/);
  });
});
