// PENDING orders made straight in the bench database, and the ledger checked afterwards. Orders for
// the notification load are inserted as rows of the app's schema (users, their wallets, orders as
// POST /api/orders leaves them once WeChat gave the QR link), a few thousand in a few statements:
// creating them through the app would cost a sign-in per wallet, a WeChat call per order and minutes,
// and measure creation, which another scenario does. Nothing here goes through the app's code.
import { randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';

export interface BenchOrder {
  outTradeNo: string;
  accountId: string;
  amountFen: number;
  /** WeChat's id for the payment of this order: every notification of it carries this one. */
  transactionId: string;
}

/** What POST /api/orders writes as the description (lib/orders/create-order.ts). */
const ORDER_DESCRIPTION = '账户余额充值';
const ORDERS_PER_WALLET = 2;

/** A connection of the bench's own, under a name the transaction counter doesn't take for the app's. */
export function openBenchDb(databaseUrl: string): pg.Client {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', 'recharge-bench-setup');
  return new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3_000 });
}

/**
 * `count` PENDING orders of random amounts (1 fen … ¥500), two per wallet (so balances add up
 * more than one credit), each with its own signed-in-user wallet. `tag` keeps this batch's rows apart.
 */
export async function insertPendingOrders(db: pg.Client, count: number, tag: string): Promise<BenchOrder[]> {
  const wallets = Math.ceil(count / ORDERS_PER_WALLET);
  const day = beijingDateStamp();
  await db.query('begin');
  try {
    const { rows } = await db.query<{ id: string }>(
      `insert into users (id, name, email, email_verified, created_at, updated_at)
       select gen_random_uuid(), 'bench ' || $1 || ' ' || i, 'bench-' || $1 || '-' || i || '@bench.invalid',
              false, now(), now()
         from generate_series(1, $2::int) as i
       returning id`,
      [tag, wallets],
    );
    const walletIds = rows.map((r) => r.id);
    await db.query(
      `insert into accounts (id, user_id, balance_fen, created_at, updated_at)
       select id, id, 0, now(), now() from unnest($1::uuid[]) as id`,
      [walletIds],
    );
    const orders: BenchOrder[] = Array.from({ length: count }, (_, i) => ({
      // RC + China-time stamp (like the app's) + batch tag + index: 30 of [0-9A-Z].
      outTradeNo: `RC${day}${tag}${String(i).padStart(8, '0')}`,
      accountId: walletIds[i % walletIds.length] as string,
      amountFen: randomInt(1, 50_001),
      // 4200 + 6 digits + date + 10 digits: 28 digits like WeChat's.
      transactionId: `4200${String(randomInt(0, 1_000_000)).padStart(6, '0')}${day.slice(0, 8)}${String(i).padStart(10, '0')}`,
    }));
    await db.query(
      `insert into payment_orders (id, out_trade_no, account_id, amount_fen, description, status,
                                   code_url, expires_at, next_check_at, created_at, updated_at)
       select gen_random_uuid(), o.out_trade_no, o.account_id, o.amount_fen, $4, 'PENDING',
              'weixin://wxpay/bizpayurl?pr=' || o.out_trade_no, now() + interval '2 hours',
              now() + interval '1 hour', now(), now()
         from unnest($1::text[], $2::uuid[], $3::int[]) as o(out_trade_no, account_id, amount_fen)`,
      [
        orders.map((o) => o.outTradeNo),
        orders.map((o) => o.accountId),
        orders.map((o) => o.amountFen),
        ORDER_DESCRIPTION,
      ],
    );
    await db.query('commit');
    return orders;
  } catch (error) {
    await db.query('rollback');
    throw error;
  }
}

export interface LedgerCheck {
  /** Expectations that didn't hold, each a sentence. Empty: exact to the fen. */
  failures: string[];
  creditedFen: bigint;
  notificationsByOutcome: Record<string, number>;
}

/**
 * Every order PAID by its own transaction, exactly one RECHARGE entry per order for its amount on
 * its wallet, every wallet's balance = the sum of its entries = the sum of its orders, each
 * notification recorded once (`notificationsSent` distinct ids), no payment exception.
 */
export async function checkLedger(
  db: pg.Client,
  orders: BenchOrder[],
  notificationsSent: number,
): Promise<LedgerCheck> {
  const failures: string[] = [];
  const expected = [
    orders.map((o) => o.outTradeNo),
    orders.map((o) => o.amountFen),
    orders.map((o) => o.transactionId),
    orders.map((o) => o.accountId),
  ];
  const expectedCte = `with expected as (
      select * from unnest($1::text[], $2::int[], $3::text[], $4::uuid[])
        as e(out_trade_no, amount_fen, transaction_id, account_id))`;

  const { rows: orderRows } = await db.query<{ bad_status: string; bad_entries: string; credited: string }>(
    `${expectedCte}
     select count(*) filter (where o.status <> 'PAID' or o.transaction_id is distinct from e.transaction_id
                                or o.amount_fen <> e.amount_fen or o.account_id <> e.account_id) as bad_status,
            count(*) filter (where coalesce(l.entries, 0) <> 1 or l.amount_fen <> e.amount_fen
                                or l.account_id <> e.account_id or l.kind <> 'RECHARGE') as bad_entries,
            coalesce(sum(l.amount_fen), 0) as credited
       from expected e
       left join payment_orders o on o.out_trade_no = e.out_trade_no
       left join lateral (select count(*) as entries, max(amount_fen) as amount_fen,
                                 (array_agg(account_id))[1] as account_id, (array_agg(kind::text))[1] as kind
                            from ledger_entries where order_id = o.id) l on true`,
    expected,
  );
  const orderCheck = orderRows[0];
  if (!orderCheck) throw new Error('ledger check: no answer');
  if (Number(orderCheck.bad_status) > 0)
    failures.push(`${orderCheck.bad_status} orders not PAID by their own transaction`);
  if (Number(orderCheck.bad_entries) > 0)
    failures.push(`${orderCheck.bad_entries} orders without exactly one RECHARGE entry of their amount`);

  const { rows: walletRows } = await db.query<{
    wallets: string;
    bad: string;
    balances: string;
    expected: string;
  }>(
    `${expectedCte},
     per_wallet as (select account_id, sum(amount_fen) as expected_fen from expected group by account_id)
     select count(*) as wallets,
            count(*) filter (where a.balance_fen <> w.expected_fen
                                or a.balance_fen <> coalesce(le.sum_fen, 0)) as bad,
            coalesce(sum(a.balance_fen), 0) as balances,
            sum(w.expected_fen) as expected
       from per_wallet w
       join accounts a on a.id = w.account_id
       left join lateral (select sum(amount_fen) as sum_fen from ledger_entries where account_id = a.id) le on true`,
    expected,
  );
  const walletCheck = walletRows[0];
  if (!walletCheck) throw new Error('ledger check: no wallet answer');
  if (Number(walletCheck.bad) > 0)
    failures.push(
      `${walletCheck.bad} of ${walletCheck.wallets} wallets: balance differs from the sum of its entries or of its orders`,
    );
  if (BigInt(walletCheck.balances) !== BigInt(walletCheck.expected))
    failures.push(`balances total ${walletCheck.balances} fen, orders total ${walletCheck.expected} fen`);

  const { rows: outcomeRows } = await db.query<{ outcome: string; n: string; ids: string }>(
    `select outcome, count(*) as n, count(distinct notification_id) as ids
       from payment_notifications where out_trade_no = any($1::text[]) group by outcome`,
    [expected[0]],
  );
  const notificationsByOutcome = Object.fromEntries(outcomeRows.map((r) => [r.outcome, Number(r.n)]));
  const recorded = outcomeRows.reduce((sum, r) => sum + Number(r.ids), 0);
  if (recorded !== notificationsSent)
    failures.push(`${recorded} notifications recorded, ${notificationsSent} sent`);
  if ((notificationsByOutcome.settled ?? 0) !== orders.length)
    failures.push(
      `${notificationsByOutcome.settled ?? 0} notifications settled an order, expected ${orders.length}`,
    );

  const { rows: exceptionRows } = await db.query<{ n: string }>(
    'select count(*) as n from payment_exceptions where out_trade_no = any($1::text[])',
    [expected[0]],
  );
  if (Number(exceptionRows[0]?.n ?? 0) > 0) failures.push(`${exceptionRows[0]?.n} payment exceptions opened`);

  return { failures, creditedFen: BigInt(walletCheck.balances), notificationsByOutcome };
}

/** A batch tag: 6 characters of [0-9A-Z]. */
export function newBatchTag(): string {
  return randomBytes(6)
    .toString('base64')
    .replace(/[^0-9A-Za-z]/g, '0')
    .toUpperCase()
    .slice(0, 6);
}

/** yyyyMMddHHmmss in China time, like the app's out_trade_no stamp. */
function beijingDateStamp(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 19).replace(/\D/g, '');
}
