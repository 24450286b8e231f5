import { snsErrors } from './errors';
import { randomAlphanumeric } from './random';

// In-memory state of WeChat website login: QR login sessions (uuid), authorization codes and the
// access/refresh token grants made from them. Expiry is applied lazily on every read, as in store.ts.
// Times are Date.now() unless given, so tests can move the clock with fake Dates.

/** A website application registered on the (simulated) open platform. */
export interface LoginApp {
  appid: string;
  secret: string;
  /** Shown on the QR page and the phone. */
  name: string;
  /** WeChat's 授权回调域: redirect_uri's host must be one of these or a subdomain (port ignored). */
  callbackDomains: string[];
  /** Bound to an open-platform account: unionid is returned. */
  unionid: boolean;
}

type LoginStatus = 'waiting' | 'scanned' | 'confirmed' | 'refused' | 'expired';

/** What WeChat's long poll answers for each state (window.wx_errcode). */
export const WX_ERRCODES: Record<LoginStatus, number> = {
  waiting: 408,
  scanned: 404,
  confirmed: 405,
  refused: 403,
  expired: 402,
};

export interface LoginSession {
  uuid: string;
  appid: string;
  redirectUri: string;
  state: string;
  status: LoginStatus;
  userKey?: string;
  /** Issued on confirmation; the browser carries it to redirect_uri. */
  code?: string;
  createdAtMs: number;
  expiresAtMs: number;
}

interface AuthCode {
  appid: string;
  userKey: string;
  expiresAtMs: number;
  used: boolean;
}

export interface Grant {
  appid: string;
  userKey: string;
  accessToken: string;
  accessExpiresAtMs: number;
  refreshToken: string;
  refreshExpiresAtMs: number;
}

/** WeChat: a code lives 10 minutes and can be exchanged once. Real time, never scaled. */
const CODE_TTL_MS = 10 * 60 * 1000;
export const ACCESS_TOKEN_TTL_S = 7200;
const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const isOpen = (s: LoginSession) => s.status === 'waiting' || s.status === 'scanned';

export class LoginStore {
  private readonly sessions = new Map<string, LoginSession>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly byAccessToken = new Map<string, Grant>();
  private readonly byRefreshToken = new Map<string, Grant>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly qrTtlMs: number) {}

  create(appid: string, redirectUri: string, state: string, nowMs = Date.now()): LoginSession {
    const session: LoginSession = {
      uuid: randomAlphanumeric(16),
      appid,
      redirectUri,
      state,
      status: 'waiting',
      createdAtMs: nowMs,
      expiresAtMs: nowMs + this.qrTtlMs,
    };
    this.sessions.set(session.uuid, session);
    return session;
  }

  get(uuid: string, nowMs = Date.now()): LoginSession | undefined {
    return this.applyExpiry(this.sessions.get(uuid), nowMs);
  }

  /** Newest first. */
  list(nowMs = Date.now()): LoginSession[] {
    return [...this.sessions.values()]
      .map((s) => this.applyExpiry(s, nowMs) as LoginSession)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** The newest session still waiting for the phone (scanned or not). */
  newestOpen(nowMs = Date.now()): LoginSession | undefined {
    return this.list(nowMs).find(isOpen);
  }

  isOpen(session: LoginSession): boolean {
    return isOpen(session);
  }

  /** The phone opened the QR's page. Only a waiting session changes. */
  scan(session: LoginSession): void {
    if (session.status === 'waiting') this.setStatus(session, 'scanned');
  }

  /** Returns false when the session is no longer open (confirmed, refused or expired). */
  confirm(session: LoginSession, userKey: string, nowMs = Date.now()): boolean {
    if (!isOpen(session)) return false;
    session.userKey = userKey;
    session.code = this.issueCode(session.appid, userKey, nowMs);
    this.setStatus(session, 'confirmed');
    return true;
  }

  refuse(session: LoginSession): boolean {
    if (!isOpen(session)) return false;
    this.setStatus(session, 'refused');
    return true;
  }

  expire(session: LoginSession, nowMs = Date.now()): boolean {
    if (!isOpen(session)) return false;
    session.expiresAtMs = Math.min(session.expiresAtMs, nowMs);
    this.setStatus(session, 'expired');
    return true;
  }

  issueCode(appid: string, userKey: string, nowMs = Date.now()): string {
    const code = randomAlphanumeric(32);
    this.codes.set(code, { appid, userKey, expiresAtMs: nowMs + CODE_TTL_MS, used: false });
    return code;
  }

  /** Exchanges a code for a new grant: single use, 10 minutes, for the application it was issued to. */
  redeemCode(code: string, appid: string, nowMs = Date.now()): Grant {
    const entry = this.codes.get(code);
    if (!entry || entry.appid !== appid) throw snsErrors.invalidCode();
    if (entry.used) throw snsErrors.codeBeenUsed();
    if (nowMs >= entry.expiresAtMs) throw snsErrors.codeExpired();
    entry.used = true;
    const grant: Grant = {
      appid,
      userKey: entry.userKey,
      accessToken: newToken(),
      accessExpiresAtMs: nowMs + ACCESS_TOKEN_TTL_S * 1000,
      refreshToken: newToken(),
      refreshExpiresAtMs: nowMs + REFRESH_TOKEN_TTL_MS,
    };
    this.byAccessToken.set(grant.accessToken, grant);
    this.byRefreshToken.set(grant.refreshToken, grant);
    return grant;
  }

  /**
   * WeChat's refresh: an expired access_token is replaced by a new one; a live one keeps its value and
   * gets a new 2 h lifetime. The refresh_token itself is not renewed (30 days from the code exchange).
   */
  refresh(refreshToken: string, appid: string, nowMs = Date.now()): Grant {
    const grant = this.byRefreshToken.get(refreshToken);
    if (!grant || grant.appid !== appid) throw snsErrors.invalidRefreshToken();
    if (nowMs >= grant.refreshExpiresAtMs) throw snsErrors.refreshTokenExpired();
    if (nowMs >= grant.accessExpiresAtMs) {
      this.byAccessToken.delete(grant.accessToken);
      grant.accessToken = newToken();
      this.byAccessToken.set(grant.accessToken, grant);
    }
    grant.accessExpiresAtMs = nowMs + ACCESS_TOKEN_TTL_S * 1000;
    return grant;
  }

  /** The live grant of an access_token (40001 unknown, 42001 expired). */
  grantFor(accessToken: string, nowMs = Date.now()): Grant {
    const grant = this.byAccessToken.get(accessToken);
    if (!grant) throw snsErrors.invalidCredential();
    if (nowMs >= grant.accessExpiresAtMs) throw snsErrors.accessTokenExpired();
    return grant;
  }

  /** Resolves at the next status change of any session, or after `ms`. */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  /** Wakes every waiting long poll (on status changes, reset and shutdown). */
  wakeAll(): void {
    for (const done of [...this.waiters]) done();
  }

  clear(): void {
    this.sessions.clear();
    this.codes.clear();
    this.byAccessToken.clear();
    this.byRefreshToken.clear();
    this.wakeAll();
  }

  private setStatus(session: LoginSession, status: LoginStatus): void {
    session.status = status;
    this.wakeAll();
  }

  private applyExpiry(session: LoginSession | undefined, nowMs: number): LoginSession | undefined {
    if (session && isOpen(session) && nowMs >= session.expiresAtMs) session.status = 'expired';
    return session;
  }
}

/** Shaped like WeChat's OAuth tokens (`<2 digits>_<base64-ish>`), drawn from the CSPRNG. */
function newToken(): string {
  return `86_${randomAlphanumeric(104)}`;
}
