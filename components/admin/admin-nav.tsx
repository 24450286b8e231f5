import Link from 'next/link';
import styles from './admin.module.css';

const SECTIONS = [
  { href: '/admin', label: '订单' },
  { href: '/admin/exceptions', label: '支付异常' },
  { href: '/admin/bills', label: '对账' },
] as const;

/** The console's header: where one is, and who is signed in. */
export function AdminNav({
  current,
  operator,
}: {
  current: (typeof SECTIONS)[number]['href'];
  operator: string;
}) {
  return (
    <nav className={styles.nav} aria-label="运营后台">
      <span className={styles.brand}>运营后台</span>
      {SECTIONS.map((section) => (
        <Link
          key={section.href}
          href={section.href}
          aria-current={section.href === current ? 'page' : undefined}
        >
          {section.label}
        </Link>
      ))}
      <span className={styles.who}>操作员：{operator}</span>
    </nav>
  );
}
