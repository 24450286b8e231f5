/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and the Prisma runtime are Node libraries: load them from node_modules at run time
  // instead of bundling them into the server build.
  serverExternalPackages: ['pg', '@prisma/adapter-pg'],
  // Every answer, API and static files included (pages get more from proxy.ts): never sniffed as
  // something else, never framed, no referrer; API answers are never cached.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
      { source: '/api/:path*', headers: [{ key: 'Cache-Control', value: 'no-store' }] },
    ];
  },
};

export default nextConfig;
