import { expect, test } from './fixtures/test';

// Bad input from a signed-in user gets a 422 naming the field ('' for the body itself) and the
// reason, and changes nothing: no order exists (the user's history stays empty), no account cookie is
// set. (The session snapshot cookie may be renewed: the route checks the session in the database.)
const cases: { name: string; body: string; headers?: Record<string, string>; field: string }[] = [
  { name: 'no body', body: '', field: '' },
  { name: 'a body that is not JSON', body: '{amountFen: 1', field: '' },
  { name: 'a JSON array', body: '[100]', field: '' },
  { name: 'no amount', body: '{}', field: 'amountFen' },
  { name: 'an amount in yuan with decimals', body: '{"amountFen": 12.5}', field: 'amountFen' },
  { name: 'a zero amount', body: '{"amountFen": 0}', field: 'amountFen' },
  { name: 'a negative amount', body: '{"amountFen": -100}', field: 'amountFen' },
  { name: 'an amount as text', body: '{"amountFen": "100"}', field: 'amountFen' },
  { name: 'an amount above ¥50,000', body: '{"amountFen": 5000001}', field: 'amountFen' },
  {
    name: 'a malformed Idempotency-Key',
    body: '{"amountFen": 100}',
    headers: { 'Idempotency-Key': 'no spaces allowed!' },
    field: 'Idempotency-Key',
  },
];

for (const { name, body, headers, field } of cases) {
  test(`POST /api/orders with ${name}: 422 on ${field || 'the body'}, nothing created`, async ({ page }) => {
    const response = await page.request.post('/api/orders', {
      // Raw bytes: a string would be sent JSON-encoded.
      data: Buffer.from(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(response.status()).toBe(422);
    const { error } = await response.json();
    expect(error.code).toBe('unprocessable_entity');
    expect(error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(error.message).not.toBe('');
    expect(response.headers()['set-cookie'] ?? '').not.toContain('recharge_account');
    await page.goto('/orders');
    await expect(page.getByText('还没有充值记录')).toBeVisible();
  });
}
