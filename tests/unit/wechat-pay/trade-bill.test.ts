import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import {
  createWechatPayTestKeys,
  signAsWechatPay,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';
import { billText } from './bill-fixtures';
import {
  caught,
  expectValidMerchantSignature,
  fakeWechatPayFor,
  type SentRequest,
  type Signing,
  signedResponse,
} from './fake-wechat-pay';
import { loadTestConfig, NOW_SECONDS } from './fixtures';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
  config = loadTestConfig(keys);
});

const BILL_DATE = '2026-11-24';
const DOWNLOAD_PATH = '/v3/billdownload/file?token=6XIv5TUPto7pByrTZ%2BbQ&tartype=gzip';
const DOWNLOAD_URL = `http://127.0.0.1:3100${DOWNLOAD_PATH}`;

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');
const respond = (status: number, body: unknown, signing: Signing = 'valid') =>
  signedResponse(keys, status, body, signing);
/** A bill file as WeChat serves it: no signature headers. */
const fileResponse = (bytes: Uint8Array) =>
  new Response(new Uint8Array(bytes), {
    status: 200,
    headers: { 'Content-Type': 'application/octet-stream' },
  });

type FakeBillOptions = {
  /** The file served; defaults to the plain bill, gzipped when `gzip`. */
  file?: Uint8Array;
  gzip?: boolean;
  hashValue?: string;
  downloadUrl?: string;
  download?: (request: SentRequest) => Response | Promise<Response>;
};

const PLAIN_BILL = () => Buffer.from(billText(), 'utf8');

/** Plays WeChat for a bill: the signed answer with the link and hash, then the file at the link. */
function fakeBillServer(options: FakeBillOptions = {}) {
  const plain = PLAIN_BILL();
  const file = options.file ?? (options.gzip ? gzipSync(plain) : plain);
  return fakeWechatPayFor(config, (request) => {
    if (request.url.pathname === '/v3/bill/tradebill') {
      return respond(200, {
        hash_type: 'SHA1',
        hash_value: options.hashValue ?? sha1(plain),
        download_url: options.downloadUrl ?? DOWNLOAD_URL,
      });
    }
    return options.download ? options.download(request) : fileResponse(file);
  });
}

describe('requestTradeBill', () => {
  it('GETs the day’s ALL bill, signed, and returns the link and hash', async () => {
    const { client, sent } = fakeBillServer({ hashValue: 'a'.repeat(40) });
    await expect(client.requestTradeBill(BILL_DATE)).resolves.toEqual({
      downloadUrl: DOWNLOAD_URL,
      hashType: 'SHA1',
      hashValue: 'a'.repeat(40),
    });
    const [request] = sent;
    if (!request) throw new Error('no request sent');
    expect(request.method).toBe('GET');
    expect(`${request.url.pathname}${request.url.search}`).toBe(
      '/v3/bill/tradebill?bill_date=2026-11-24&bill_type=ALL',
    );
    expect(request.body).toBe('');
    expectValidMerchantSignature(keys, request);
  });

  it('asks for gzip with tar_type=GZIP', async () => {
    const { client, sent } = fakeBillServer();
    await client.requestTradeBill(BILL_DATE, { tarType: 'GZIP' });
    expect(sent[0]?.url.search).toBe('?bill_date=2026-11-24&bill_type=ALL&tar_type=GZIP');
    expectValidMerchantSignature(keys, sent[0] as SentRequest);
  });

  it.each<{ billDate: string; options?: object }>([
    { billDate: '2026-11-31' },
    { billDate: '2026/11/24' },
    { billDate: '20261124' },
    { billDate: '2026-11-24&bill_type=REFUND' },
    { billDate: BILL_DATE, options: { tarType: 'ZIP' } },
    { billDate: BILL_DATE, options: { tarType: 'gzip' } },
  ])('refuses $billDate $options locally', async ({ billDate, options }) => {
    const { client, sent } = fakeBillServer();
    const error = await caught(client.requestTradeBill(billDate, options as never));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(error.message).toBe(
      options ? 'tar_type must be GZIP or absent' : 'bill_date must be a date written YYYY-MM-DD',
    );
    expect(sent).toHaveLength(0);
  });

  it.each<{ status: number; code: string; retryable: boolean }>([
    // No payment or refund that day: there will never be a bill to fetch.
    { status: 400, code: 'NO_STATEMENT_EXIST', retryable: false },
    // Not made yet (WeChat makes it after 10:00 the next day): later, the same call succeeds.
    { status: 400, code: 'STATEMENT_CREATING', retryable: true },
    { status: 400, code: 'INVALID_REQUEST', retryable: false },
    { status: 400, code: 'PARAM_ERROR', retryable: false },
    { status: 401, code: 'SIGN_ERROR', retryable: false },
    { status: 403, code: 'NO_AUTH', retryable: false },
    { status: 500, code: 'SYSTEM_ERROR', retryable: true },
  ])('HTTP $status $code → retryable $retryable', async ({ status, code, retryable }) => {
    const { client } = fakeWechatPayFor(config, () => respond(status, { code, message: code }));
    await expect(caught(client.requestTradeBill(BILL_DATE))).resolves.toMatchObject({
      code,
      httpStatus: status,
      retryable,
    });
  });

  it.each<{ signing: Signing }>([{ signing: 'none' }, { signing: 'wrong-key' }])(
    'refuses an answer with signature "$signing": the link is trusted only when signed',
    async ({ signing }) => {
      const body = { hash_type: 'SHA1', hash_value: 'a'.repeat(40), download_url: DOWNLOAD_URL };
      const { client, sent } = fakeWechatPayFor(config, () => respond(200, body, signing));
      await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
        code: 'INVALID_SIGNATURE',
      });
      expect(sent).toHaveLength(1);
    },
  );

  it.each([
    {
      name: 'another hash type',
      body: { hash_type: 'MD5', hash_value: 'a'.repeat(40), download_url: DOWNLOAD_URL },
    },
    {
      name: 'a short hash',
      body: { hash_type: 'SHA1', hash_value: 'a'.repeat(39), download_url: DOWNLOAD_URL },
    },
    {
      name: 'a long hash',
      body: { hash_type: 'SHA1', hash_value: 'a'.repeat(41), download_url: DOWNLOAD_URL },
    },
    {
      name: 'a hash that is not hex',
      body: { hash_type: 'SHA1', hash_value: 'g'.repeat(40), download_url: DOWNLOAD_URL },
    },
    { name: 'no link', body: { hash_type: 'SHA1', hash_value: 'a'.repeat(40) } },
    {
      name: 'a link that is no URL',
      body: { hash_type: 'SHA1', hash_value: 'a'.repeat(40), download_url: 'file' },
    },
    ...['ftp', 'xhttp', 'httpx', 'xhttps'].map((scheme) => ({
      name: `a link on ${scheme}:`,
      body: {
        hash_type: 'SHA1',
        hash_value: 'a'.repeat(40),
        download_url: `${scheme}://127.0.0.1:3100/bill`,
      },
    })),
  ])('refuses a signed answer with $name as INVALID_RESPONSE', async ({ body }) => {
    const { client } = fakeWechatPayFor(config, () => respond(200, body));
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 200,
      message: 'WeChat Pay answered HTTP 200 with an unexpected body',
    });
  });

  it('says which field of the answer is wrong', async () => {
    const body = { hash_type: 'SHA1', hash_value: 'xyz', download_url: DOWNLOAD_URL };
    const { client } = fakeWechatPayFor(config, () => respond(200, body));
    const error = await caught(client.requestTradeBill(BILL_DATE));
    expect(error.detail).toEqual([
      { path: 'hash_value', message: 'hash_value must be 40 hexadecimal digits' },
    ]);
  });
});

describe('downloadTradeBill', () => {
  it('downloads the plain bill with a request signed over the link’s path and query, and parses it', async () => {
    const { client, sent } = fakeBillServer();
    const bill = await client.downloadTradeBill(BILL_DATE);
    expect(bill).toMatchObject({ billDate: BILL_DATE, summary: { totalCount: 2 } });
    expect(bill.rows.map((row) => row.tradeState)).toEqual(['SUCCESS', 'REFUND']);

    expect(sent).toHaveLength(2);
    const download = sent[1] as SentRequest;
    expect(download.method).toBe('GET');
    expect(download.url.href).toBe(DOWNLOAD_URL);
    expect(download.body).toBe('');
    expect(download.init).toMatchObject({ cache: 'no-store', redirect: 'error' });
    expectValidMerchantSignature(keys, download);
  });

  it('unpacks a gzip download and checks the hash of the bill inside', async () => {
    const { client, sent } = fakeBillServer({ gzip: true });
    await expect(client.downloadTradeBill(BILL_DATE, { tarType: 'GZIP' })).resolves.toMatchObject({
      summary: { totalCount: 2, feeFen: 18 },
    });
    expect(sent[0]?.url.searchParams.get('tar_type')).toBe('GZIP');
  });

  it('takes a hash written in capitals', async () => {
    const { client } = fakeBillServer({ hashValue: sha1(PLAIN_BILL()).toUpperCase() });
    await expect(client.downloadTradeBill(BILL_DATE)).resolves.toMatchObject({ billDate: BILL_DATE });
  });

  it('reads a bill with a BOM and CRLF as served', async () => {
    const file = Buffer.from(billText({ bom: true, eol: '\r\n' }), 'utf8');
    const { client } = fakeBillServer({ file, hashValue: sha1(file) });
    await expect(client.downloadTradeBill(BILL_DATE)).resolves.toMatchObject({ summary: { totalCount: 2 } });
  });

  it('refuses a bill whose hash differs as BILL_HASH_MISMATCH, retryable (download again)', async () => {
    const { client } = fakeBillServer({ hashValue: '0'.repeat(40) });
    const error = await caught(client.downloadTradeBill(BILL_DATE));
    expect(error).toMatchObject({
      code: 'BILL_HASH_MISMATCH',
      retryable: true,
      message: 'the downloaded trade bill does not match the SHA-1 WeChat Pay announced',
      detail: { expected: '0'.repeat(40), actual: sha1(PLAIN_BILL()) },
    });
  });

  it('refuses a gzip download whose hash is that of the archive: hash_value is the bill’s', async () => {
    const archive = gzipSync(PLAIN_BILL());
    const { client } = fakeBillServer({ file: archive, hashValue: sha1(archive) });
    await expect(caught(client.downloadTradeBill(BILL_DATE, { tarType: 'GZIP' }))).resolves.toMatchObject({
      code: 'BILL_HASH_MISMATCH',
    });
  });

  it('refuses a plain bill cut short', async () => {
    const plain = PLAIN_BILL();
    const { client } = fakeBillServer({ file: plain.subarray(0, plain.length - 10) });
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code: 'BILL_HASH_MISMATCH',
      retryable: true,
    });
  });

  it.each([
    { name: 'a plain file', file: () => PLAIN_BILL() },
    { name: 'a gzip file cut short', file: () => gzipSync(PLAIN_BILL()).subarray(0, 40) },
  ])('refuses $name where gzip was asked for: INVALID_RESPONSE, retryable', async ({ file }) => {
    const { client } = fakeBillServer({ file: file() });
    const error = await caught(client.downloadTradeBill(BILL_DATE, { tarType: 'GZIP' }));
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', retryable: true });
    expect(error.message).toBe('the trade bill download is not a valid gzip file');
  });

  it('refuses a bill that is not UTF-8, hash and all, as BILL_MALFORMED: the same bytes would come again', async () => {
    const file = Buffer.concat([PLAIN_BILL(), Buffer.from([0xff, 0xfe])]);
    const { client } = fakeBillServer({ file, hashValue: sha1(file) });
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code: 'BILL_MALFORMED',
      retryable: false,
      message: 'the trade bill is not UTF-8',
    });
  });

  it('refuses a bill that does not add up as BILL_MALFORMED', async () => {
    const file = Buffer.from(billText({ lines: [] }), 'utf8');
    const { client } = fakeBillServer({ file, hashValue: sha1(file) });
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code: 'BILL_MALFORMED',
      retryable: false,
    });
  });

  it.each([
    'https://evil.example.com/v3/billdownload/file?token=x',
    'http://127.0.0.1:3101/v3/billdownload/file?token=x',
    'https://127.0.0.1:3100/v3/billdownload/file?token=x',
    'http://localhost:3100/v3/billdownload/file?token=x',
    'http://user@127.0.0.1.evil.example.com/v3/billdownload/file?token=x',
  ])('never sends our signature to a link on another origin: %s', async (downloadUrl) => {
    const { client, sent } = fakeBillServer({ downloadUrl });
    const error = await caught(client.downloadTradeBill(BILL_DATE));
    const { origin } = new URL(downloadUrl);
    expect(error).toMatchObject({
      code: 'INVALID_RESPONSE',
      retryable: false,
      message: `WeChat Pay gave a bill download URL on another origin (${origin}); not requested`,
      detail: { origin },
    });
    expect(sent).toHaveLength(1);
  });

  it.each<{ status: number; code: string; retryable: boolean }>([
    { status: 400, code: 'INVALID_REQUEST', retryable: false },
    { status: 404, code: 'RESOURCE_NOT_EXISTS', retryable: false },
    { status: 500, code: 'SYSTEM_ERROR', retryable: true },
  ])('reports a download answering HTTP $status $code', async ({ status, code, retryable }) => {
    const { client } = fakeBillServer({ download: () => respond(status, { code, message: code }, 'none') });
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code,
      httpStatus: status,
      retryable,
    });
  });

  it('checks a signature on the file when there is one, and refuses a wrong one', async () => {
    const { client } = fakeBillServer({
      download: () => {
        const headers = signAsWechatPay({
          privateKey: keys.merchant.privateKey,
          serial: keys.wechatpay.publicKeyId,
          body: PLAIN_BILL(),
          timestamp: NOW_SECONDS,
        });
        return new Response(PLAIN_BILL(), { status: 200, headers });
      },
    });
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
  });

  it('accepts a file that does come signed', async () => {
    const { client } = fakeBillServer({
      download: () => {
        const headers = signAsWechatPay({
          privateKey: keys.wechatpay.privateKey,
          serial: keys.wechatpay.publicKeyId,
          body: PLAIN_BILL(),
          timestamp: NOW_SECONDS,
        });
        return new Response(PLAIN_BILL(), { status: 200, headers });
      },
    });
    await expect(client.downloadTradeBill(BILL_DATE)).resolves.toMatchObject({ billDate: BILL_DATE });
  });

  it('reports a download that never came as a retryable NETWORK_ERROR', async () => {
    const { client } = fakeBillServer({
      download: () => Promise.reject(new TypeError('fetch failed')) as never,
    });
    await expect(caught(client.downloadTradeBill(BILL_DATE))).resolves.toMatchObject({
      code: 'NETWORK_ERROR',
      retryable: true,
    });
  });
});
