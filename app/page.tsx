export default function HomePage() {
  return (
    <main>
      <h1>账户充值</h1>
      <section className="card">
        <p>使用微信支付扫码为账户充值。</p>
      </section>
    </main>
  );
}
