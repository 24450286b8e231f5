// Shared HTML of the phone screens (phone-page.ts, phone-login.ts) and the login QR page.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;background:#ededed;font:18px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#111}
main{max-width:420px;min-height:100vh;margin:0 auto;background:#f7f7f7;padding:24px 20px;display:flex;flex-direction:column;gap:16px}
header{font-size:15px;color:#888;text-align:center}h1{font-size:22px;text-align:center;margin:8px 0}
.merchant{text-align:center;font-size:18px;color:#333}.amount{font-size:44px;font-weight:600;text-align:center;margin:4px 0}
.row{display:flex;justify-content:space-between;background:#fff;padding:14px 16px;border-radius:8px;font-size:16px}
.row span:first-child{color:#888}button,.link{display:block;width:100%;padding:14px;border:0;border-radius:8px;font-size:19px;text-align:center;text-decoration:none}
.pay{background:#07c160;color:#fff;font-weight:600}.secondary{background:#fff;color:#576b95;margin-top:8px}
.link{background:#fff;color:#07c160}.ok{color:#07c160;font-size:56px;text-align:center}.bad{color:#fa5151;font-size:56px;text-align:center}
[role=alert],[role=status]{text-align:center;color:#555}input{width:100%;padding:12px;font-size:16px;border:1px solid #ccc;border-radius:8px}
ul{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:8px}li a{color:#111;text-decoration:none}`;

/** A phone-sized screen of the sandbox's "WeChat app". */
export function page(title: string, body: string, header = '微信支付 · 本地沙箱'): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · 微信支付沙箱</title>
<style>${STYLE}</style></head><body><main><header>${header}</header>${body}</main></body></html>`;
}
