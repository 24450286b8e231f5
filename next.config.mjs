/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and the Prisma runtime are Node libraries: load them from node_modules at run time
  // instead of bundling them into the server build.
  serverExternalPackages: ['pg', '@prisma/adapter-pg'],
  // The shared logger setup (packages/log) is TypeScript source: compile it with the app.
  transpilePackages: ['@recharge/log'],
  experimental: {
    // Next.js buffers a request body for proxy.ts (pages only here; the only pages that take a body
    // are the console's forms, server actions of a few hundred bytes) up to this much, 10 MB by
    // default: a 1 GiB POST to a page cost the server ~30 MB of memory per request. It still reads
    // the rest to discard it (README, Security).
    proxyClientMaxBodySize: '16kb',
    // The CSS (about 3.5 KB gzipped for a page) goes into the HTML instead of two render-blocking
    // stylesheet requests: the first paint no longer waits for them, nor for the scripts that arrive
    // meanwhile. Measured with `npm run bench:pages` (README, Benchmark). Experimental in Next.js 16;
    // the CSP allows inline styles already (style-src 'unsafe-inline', for React's style props).
    inlineCss: true,
  },
  // Static files Next.js serves itself (proxy.ts gives pages theirs, the handlers API answers theirs).
  async headers() {
    const headers = [
      { key: 'X-Content-Type-Options', value: 'nosniff' },
      { key: 'Referrer-Policy', value: 'no-referrer' },
      { key: 'X-Frame-Options', value: 'DENY' },
    ];
    const sources = [
      '/_next/static/:path*',
      '/favicon.ico',
      '/icon.svg',
      '/apple-touch-icon.png',
      '/robots.txt',
    ];
    return sources.map((source) => ({ source, headers }));
  },
};

export default nextConfig;
