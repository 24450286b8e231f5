// WeChat Pay calls as the sandbox counts them (/sandbox/stats): the app's own logs could miss a
// call, the other end of the wire can't.
export type WechatCalls = { create: number; query: number; close: number };

export async function readWechatCalls(sandboxUrl: string): Promise<WechatCalls> {
  const response = await fetch(`${sandboxUrl}/sandbox/stats`);
  if (!response.ok) throw new Error(`GET /sandbox/stats: ${response.status}`);
  const { calls } = (await response.json()) as { calls: WechatCalls };
  return calls;
}

export function subtractCalls(after: WechatCalls, before: WechatCalls): WechatCalls {
  return {
    create: after.create - before.create,
    query: after.query - before.query,
    close: after.close - before.close,
  };
}

export function countCalls(calls: WechatCalls): number {
  return calls.create + calls.query + calls.close;
}

export function formatCalls(calls: WechatCalls): string {
  return `create ${calls.create}, query ${calls.query}, close ${calls.close}`;
}
