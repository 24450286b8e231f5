/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg and the Prisma runtime are Node libraries: load them from node_modules at run time
  // instead of bundling them into the server build.
  serverExternalPackages: ['pg', '@prisma/adapter-pg'],
};

export default nextConfig;
