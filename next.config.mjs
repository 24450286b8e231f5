/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and the Prisma runtime are Node libraries: load them from node_modules at run time
  // instead of bundling them into the server build.
  serverExternalPackages: ['pg', '@prisma/adapter-pg'],
  // Static files (which proxy.ts skips): at least never sniffed as something else, never framed.
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
    ];
  },
};

export default nextConfig;
