import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ApiResult } from './api';
import { tradeBillFile } from './bill';
import type { SandboxContext } from './context';
import { invalidRequest, WechatPayError } from './errors';
import { billDownloadQuerySchema, paramError, parseParams, tradeBillQuerySchema } from './schemas';
import { toBeijingDate } from './time';

// 申请交易账单 and 下载账单. The bill is built when it is applied for and kept, as bytes, behind a download_url
// on the sandbox itself; hash_value is the SHA-1 of the plain file (WeChat: 原始账单（gzip需要解压缩）的摘要值).
// Unlike WeChat, which refuses a day before its bills are made (the next morning), the sandbox serves any
// day it has payments or refunds for, today included: tests reconcile the day they made them on.

function isCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

// GET /v3/bill/tradebill?bill_date=&bill_type=&tar_type=
export function applyTradeBill(
  ctx: SandboxContext,
  query: URLSearchParams,
  origin: string,
  nowMs = Date.now(),
): ApiResult {
  const params = parseParams(tradeBillQuerySchema, Object.fromEntries(query), 'query');
  if (!isCalendarDate(params.bill_date)) {
    throw paramError('query', 'bill_date', '校验失败：不是有效的日期', params.bill_date);
  }
  if (params.bill_date > toBeijingDate(nowMs)) throw invalidRequest('参数错误：账单日期不能晚于今天');
  const file = tradeBillFile(ctx, params.bill_date, params.bill_type);
  if (file === undefined) throw new WechatPayError(400, 'NO_STATEMENT_EXIST', '账单文件不存在');

  const plain = Buffer.from(file, 'utf8');
  const token = ctx.bills.issue(params.tar_type === 'GZIP' ? gzipSync(plain) : plain, nowMs);
  return {
    status: 200,
    body: {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(plain).digest('hex'),
      download_url: `${origin}/v3/billdownload/file?token=${token}`,
    },
  };
}

// GET /v3/billdownload/file?token=
export function downloadBill(ctx: SandboxContext, query: URLSearchParams): ApiResult {
  const { token } = parseParams(billDownloadQuerySchema, Object.fromEntries(query), 'query');
  const file = ctx.bills.get(token);
  if (!file) throw invalidRequest('账单下载地址无效或已过期，请重新申请账单后再下载');
  return { status: 200, file };
}
