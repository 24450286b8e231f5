'use client';

import { useState } from 'react';
import { startWechatSignIn } from '@/lib/api-client/auth';

interface Props {
  /** Where WeChat sends the browser back to (our finish step, then the page the visitor wanted). */
  callbackPath: string;
  /** This page again, for a failed sign-in (Better Auth adds ?error=…). */
  errorPath: string;
  /** Why the last attempt failed, already in words; null on a first visit. */
  error: string | null;
}

/** The sign-in card: one button that opens WeChat's QR code login page. */
export function SignInPanel({ callbackPath, errorPath, error }: Props) {
  const [state, setState] = useState<'idle' | 'starting' | 'failed'>('idle');

  async function start() {
    setState('starting');
    try {
      const url = await startWechatSignIn(callbackPath, errorPath);
      if (url) {
        window.location.assign(url);
        return;
      }
    } catch {
      // No answer: same message as a refusal.
    }
    setState('failed');
  }

  return (
    <section className="card sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">使用微信登录</h2>
      <p className="muted">登录后充值，余额和充值记录跟随你的微信账号，换浏览器或手机也能看到。</p>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {state === 'failed' && (
        <p role="alert" className="alert">
          暂时无法发起微信登录，请稍后重试
        </p>
      )}
      <button
        type="button"
        className="button button-primary button-block"
        onClick={start}
        disabled={state === 'starting'}
      >
        {state === 'starting' && <span className="spinner" aria-hidden="true" />}
        微信扫码登录
      </button>
      <p className="muted">将打开微信登录页面，用手机微信扫描二维码并确认。</p>
    </section>
  );
}
