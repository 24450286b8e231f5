// Database round trips, counted on the wire: a TCP proxy between an app server and PostgreSQL that
// reads the client's side of the PostgreSQL protocol (v3) as it passes and counts, per message type:
//
// - round trips: Sync ('S', the end of an extended-protocol query: the client then waits for
//   ReadyForQuery) and Query ('Q', a simple query: BEGIN, COMMIT…). node-postgres sends
//   Parse/Bind/Describe/Execute/Sync of one query in one write and waits: one round trip each.
// - statements: Execute ('E') and Query ('Q'), each labelled by the text of the statement it runs
//   (from the Parse that named it), so a report can say which statements a request costs.
// - connections opened (their startup handshake is a round trip of its own, counted apart).
//
// pg_stat_statements would count statements, not round trips, and needs a server restart to load
// (shared_preload_libraries); pg_stat_database's transaction counts are neither. The proxy adds a
// hop of loopback latency to every query of the server behind it: that server's latencies are not
// the figures of record, its counts are.
import net from 'node:net';

export interface WireCounts {
  roundTrips: number;
  statements: number;
  connectionsOpened: number;
  /** Statements by label (see statementLabel), e.g. `UPDATE payment_orders`. */
  byStatement: Record<string, number>;
}

export interface PgWireCounter {
  /** postgresql://…@127.0.0.1:<proxy port>/…: the given URL with host and port replaced. */
  urlFor(databaseUrl: string): string;
  /** Counts so far (a copy). */
  counts(): WireCounts;
  close(): Promise<void>;
}

const STARTUP_PROTOCOL_3 = 196_608;

export async function startPgWireCounter(databaseUrl: string): Promise<PgWireCounter> {
  const target = new URL(databaseUrl);
  const targetHost = target.hostname || '127.0.0.1';
  const targetPort = Number(target.port || 5432);
  const totals: WireCounts = { roundTrips: 0, statements: 0, connectionsOpened: 0, byStatement: {} };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    totals.connectionsOpened++;
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const reader = new FrontendReader(totals);
    client.on('data', (chunk: Buffer) => {
      reader.feed(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => listening());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('pg wire counter: no port');

  return {
    urlFor(url) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(address.port);
      return proxied.toString();
    },
    counts() {
      return { ...totals, byStatement: { ...totals.byStatement } };
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((closed) => server.close(() => closed()));
    },
  };
}

/** What happened between two readings. */
export function subtractCounts(after: WireCounts, before: WireCounts): WireCounts {
  const byStatement: Record<string, number> = {};
  for (const [label, n] of Object.entries(after.byStatement)) {
    const delta = n - (before.byStatement[label] ?? 0);
    if (delta !== 0) byStatement[label] = delta;
  }
  return {
    roundTrips: after.roundTrips - before.roundTrips,
    statements: after.statements - before.statements,
    connectionsOpened: after.connectionsOpened - before.connectionsOpened,
    byStatement,
  };
}

/**
 * The client→server half of one connection: an untyped startup phase (SSLRequest, StartupMessage:
 * length then protocol code), then typed messages (one type byte, then a length that includes itself).
 */
class FrontendReader {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;
  /** Prepared statements by name ('' is the unnamed one), and what the last Bind bound. */
  private readonly prepared = new Map<string, string>();
  private bound = '';

  constructor(private readonly totals: WireCounts) {}

  feed(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.pending.length < 8) return;
        const length = this.pending.readInt32BE(0);
        if (this.pending.length < length) return;
        if (this.pending.readInt32BE(4) === STARTUP_PROTOCOL_3) this.started = true;
        this.pending = this.pending.subarray(length);
        continue;
      }
      if (this.pending.length < 5) return;
      const length = this.pending.readInt32BE(1);
      if (this.pending.length < 1 + length) return;
      const type = String.fromCharCode(this.pending[0] ?? 0);
      this.onMessage(type, this.pending.subarray(5, 1 + length));
      this.pending = this.pending.subarray(1 + length);
    }
  }

  private onMessage(type: string, body: Buffer): void {
    switch (type) {
      case 'Q':
        this.totals.roundTrips++;
        this.countStatement(cString(body, 0).text);
        break;
      case 'S':
        this.totals.roundTrips++;
        break;
      case 'P': {
        const name = cString(body, 0);
        this.prepared.set(name.text, cString(body, name.next).text);
        break;
      }
      case 'B': {
        // Bind: portal name, then the statement's name.
        const portal = cString(body, 0);
        this.bound = this.prepared.get(cString(body, portal.next).text) ?? '?';
        break;
      }
      case 'E':
        this.countStatement(this.bound);
        break;
      default:
    }
  }

  private countStatement(text: string): void {
    this.totals.statements++;
    const label = statementLabel(text);
    this.totals.byStatement[label] = (this.totals.byStatement[label] ?? 0) + 1;
  }
}

function cString(buffer: Buffer, start: number): { text: string; next: number } {
  const end = buffer.indexOf(0, start);
  const stop = end === -1 ? buffer.length : end;
  return { text: buffer.toString('utf8', start, stop), next: stop + 1 };
}

/** `SELECT auth_sessions`, `INSERT payment_orders`, `BEGIN`…: the verb and the first table named. */
function statementLabel(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ');
  const verb = (/^\w+/.exec(text)?.[0] ?? '?').toUpperCase();
  const table = /\b(?:from|into|update)\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(text)?.[1];
  return table ? `${verb} ${table}` : verb;
}

/**
 * The counts once the server behind the counter has gone quiet (no new message for 30 ms, at most
 * 1 s): what a request made after its answer (work scheduled with after()) is counted with it.
 */
export async function quietCounts(counter: PgWireCounter): Promise<WireCounts> {
  let last = counter.counts();
  let quietFor = 0;
  for (let waited = 0; quietFor < 30 && waited < 1_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = counter.counts();
    quietFor = now.roundTrips === last.roundTrips && now.statements === last.statements ? quietFor + 10 : 0;
    last = now;
  }
  return last;
}

/** `UPDATE payment_orders 1.00, BEGIN 1.00, …` per `per` (requests), most frequent first. */
export function formatStatements(counts: WireCounts, per: number): string {
  return Object.entries(counts.byStatement)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([label, n]) => `${label} ${(n / per).toFixed(2)}`)
    .join(', ');
}

/** Requests of one kind and what they cost together. */
export interface WirePhase {
  requests: number;
  counts: WireCounts;
}

export function emptyPhase(): WirePhase {
  return { requests: 0, counts: { roundTrips: 0, statements: 0, connectionsOpened: 0, byStatement: {} } };
}

export function addCounts(a: WireCounts, b: WireCounts): WireCounts {
  const byStatement = { ...a.byStatement };
  for (const [label, n] of Object.entries(b.byStatement)) byStatement[label] = (byStatement[label] ?? 0) + n;
  return {
    roundTrips: a.roundTrips + b.roundTrips,
    statements: a.statements + b.statements,
    connectionsOpened: a.connectionsOpened + b.connectionsOpened,
    byStatement,
  };
}
