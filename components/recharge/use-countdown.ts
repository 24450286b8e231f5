'use client';

import { useEffect, useState } from 'react';

/**
 * Milliseconds left until `deadline` (epoch ms), re-rendering a few times a second. Computed from the
 * clock rather than by decrementing, so a throttled background tab still ends on time.
 */
export function useCountdown(deadline: number): number {
  const [remainingMs, setRemainingMs] = useState(() => Math.max(0, deadline - Date.now()));

  useEffect(() => {
    const tick = () => {
      const left = Math.max(0, deadline - Date.now());
      setRemainingMs(left);
      if (left === 0) clearInterval(timer);
    };
    const timer = setInterval(tick, 250);
    tick();
    return () => clearInterval(timer);
  }, [deadline]);

  return remainingMs;
}
