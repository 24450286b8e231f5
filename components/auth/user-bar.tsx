import Link from 'next/link';
import { ORDER_HISTORY_PATH } from '@/lib/api-client/paths';
import { SignOutButton } from './sign-out-button';
import styles from './user-bar.module.css';

interface Props {
  name: string;
  /** WeChat avatar URL, when the user has one. */
  image: string | null;
  /** Hide the link to the page being shown. */
  current?: 'recharge' | 'history';
}

/** Who is signed in, where to go, and 退出登录. */
export function UserBar({ name, image, current }: Props) {
  return (
    <nav className={styles.bar} aria-label="账户">
      <span className={styles.who} data-testid="signed-in-user">
        {image ? (
          // WeChat's avatar host refuses hotlinks that carry a Referer; next/image would proxy it.
          // biome-ignore lint/performance/noImgElement: a 32 px avatar from WeChat, shown as is.
          <img
            className={styles.avatar}
            src={image}
            alt=""
            width={32}
            height={32}
            referrerPolicy="no-referrer"
          />
        ) : (
          <span className={styles.avatar} aria-hidden="true" />
        )}
        <span className={styles.name}>{name}</span>
      </span>
      <span className={styles.links}>
        {current !== 'recharge' && <Link href="/">充值</Link>}
        {current !== 'history' && <Link href={ORDER_HISTORY_PATH}>充值记录</Link>}
        <SignOutButton />
      </span>
    </nav>
  );
}
