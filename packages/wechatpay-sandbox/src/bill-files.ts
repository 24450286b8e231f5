import { randomBytes } from 'node:crypto';

// Bill files behind the download_url that 申请交易账单 hands out. WeChat's address is valid for 5 minutes
// ("该地址5min内有效"); real time, like the login TTLs, not divided by timeScale.

const TTL_MS = 5 * 60 * 1000;

interface BillFile {
  bytes: Buffer;
  expiresAtMs: number;
}

export class BillFiles {
  private readonly files = new Map<string, BillFile>();

  /** Keeps the bytes to download and returns the token of their address. */
  issue(bytes: Buffer, nowMs = Date.now()): string {
    this.prune(nowMs);
    const token = randomBytes(48).toString('base64url');
    this.files.set(token, { bytes, expiresAtMs: nowMs + TTL_MS });
    return token;
  }

  get(token: string, nowMs = Date.now()): Buffer | undefined {
    this.prune(nowMs);
    return this.files.get(token)?.bytes;
  }

  clear(): void {
    this.files.clear();
  }

  private prune(nowMs: number): void {
    for (const [token, file] of this.files) if (nowMs >= file.expiresAtMs) this.files.delete(token);
  }
}
