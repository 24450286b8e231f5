'use client';

import { useState } from 'react';
import { signOut } from '@/lib/api-client/auth';

/** 退出登录: ends the session, then shows the sign-in page. */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  async function run() {
    setBusy(true);
    setFailed(false);
    const done = await signOut().catch(() => false);
    if (done) {
      window.location.assign('/sign-in');
      return;
    }
    setBusy(false);
    setFailed(true);
  }

  return (
    <>
      <button type="button" className="link-button" onClick={run} disabled={busy}>
        退出登录
      </button>
      {failed && (
        <span role="alert" className="sr-alert">
          退出失败，请重试
        </span>
      )}
    </>
  );
}
