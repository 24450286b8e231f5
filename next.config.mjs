/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and the Prisma runtime are Node libraries: load them from node_modules at run time
  // instead of bundling them into the server build.
  serverExternalPackages: ['pg', '@prisma/adapter-pg'],
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
