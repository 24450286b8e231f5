import Link from 'next/link';
import { connection } from 'next/server';

// Missing orders and other visitors' orders both land here: the page says the same for both.
// Rendered per request, like every page: its scripts need this request's CSP nonce (proxy.ts).
export default async function NotFound() {
  await connection();
  return (
    <main>
      <section className="card" style={{ textAlign: 'center', display: 'grid', gap: 16 }}>
        <h1>页面不存在</h1>
        <p className="muted">没有找到这个页面或订单。如果您刚刚完成支付，金额仍会到账。</p>
        <Link href="/" className="button button-primary button-block">
          返回充值
        </Link>
      </section>
    </main>
  );
}
