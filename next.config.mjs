/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server (src/server) owns the database, the executor and tRPC; pages never import them.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
};

export default nextConfig;
