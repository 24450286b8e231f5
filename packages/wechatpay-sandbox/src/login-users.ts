import { createHash } from 'node:crypto';

// The WeChat users who can sign in through the sandbox. Fixed, so tests and demos can name them, and with
// identifiers derived by hashing, so a restarted sandbox hands out the same openid/unionid again.

export interface LoginUser {
  key: string;
  nickname: string;
  /** Avatar background and initial, drawn by avatarSvg(). */
  color: string;
  initial: string;
}

export const LOGIN_USERS: readonly LoginUser[] = [
  { key: 'lin', nickname: '林小满', color: '#07c160', initial: '林' },
  { key: 'zhou', nickname: '周一鸣', color: '#576b95', initial: '周' },
];

/**
 * Throwaway users for automated tests, which want a person the app has never seen (zero balance, no
 * history): any key `test-…` names one, made up on first mention. Only the control API can sign them
 * in (the phone screen offers the fixed users), and their ids are derived like everyone's.
 */
const TEST_USER_KEY = /^test-[a-z0-9-]{1,40}$/;

const testUsers = new Map<string, LoginUser>();

function isTestUserKey(key: string): boolean {
  return TEST_USER_KEY.test(key);
}

export function findLoginUser(key: string): LoginUser | undefined {
  const fixed = LOGIN_USERS.find((u) => u.key === key);
  if (fixed || !isTestUserKey(key)) return fixed;
  let user = testUsers.get(key);
  if (!user) {
    user = {
      key,
      nickname: `测试用户 ${key.slice('test-'.length, 'test-'.length + 8)}`,
      color: '#8f959e',
      initial: '测',
    };
    testUsers.set(key, user);
  }
  return user;
}

/** 28 characters starting with `o`, like WeChat's openid and unionid. */
function wechatStyleId(seed: string): string {
  return `o${createHash('sha256').update(seed).digest('base64url').slice(0, 27)}`;
}

/** Differs per (website application, user), as WeChat's openid does. */
export function openidOf(appid: string, user: LoginUser): string {
  return wechatStyleId(`openid\n${appid}\n${user.key}`);
}

/** The same for every application of the (one, simulated) open-platform account. */
export function unionidOf(user: LoginUser): string {
  return wechatStyleId(`unionid\n${user.key}`);
}

export function userByOpenid(appid: string, openid: string): LoginUser | undefined {
  return [...LOGIN_USERS, ...testUsers.values()].find((u) => openidOf(appid, u) === openid);
}

/**
 * WeChat's headimgurl ends in the square size (0 = 640, 46, 64, 96, 132) and clients swap that suffix for
 * other sizes, so the sandbox serves `/mmopen/<key>/<size>` for each of them (SVG, any size draws the same).
 */
export const AVATAR_SIZES = ['0', '46', '64', '96', '132'] as const;

export function avatarPath(user: LoginUser): string {
  return `/mmopen/${user.key}/132`;
}

export function avatarSvg(user: LoginUser): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132">
<rect width="132" height="132" fill="${user.color}"/>
<text x="66" y="66" dy="0.35em" text-anchor="middle" font-size="64" fill="#fff" font-family="PingFang SC,Microsoft YaHei,Noto Sans CJK SC,WenQuanYi Micro Hei,WenQuanYi Zen Hei,sans-serif">${user.initial}</text>
</svg>`;
}
