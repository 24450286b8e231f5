import { formatYuan } from '@/lib/money';
import styles from './balance-card.module.css';

/** The account balance banner. Server-rendered: the balance is read fresh on every request. */
export function BalanceCard({ balanceFen }: { balanceFen: bigint }) {
  return (
    <section className={styles.card} aria-labelledby="balance-label">
      <p id="balance-label" className={styles.label}>
        当前余额（元）
      </p>
      <p className={styles.amount} data-testid="balance">
        {formatYuan(balanceFen)}
      </p>
    </section>
  );
}
