// The WeChat Pay sandbox's control API (/sandbox/*: pay, faults, stats, logins…), as the test harnesses
// call it: JSON both ways, and an error naming the call when the sandbox refuses it.

export type SandboxControl = <T = unknown>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) => Promise<T>;

export function sandboxControl(sandboxUrl: string): SandboxControl {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${sandboxUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok)
      throw new Error(`sandbox ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}
