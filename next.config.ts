import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm run typecheck` (tsc --noEmit) checks the whole project, agent and tests included.
  typescript: { ignoreBuildErrors: true },
  // Native and Wasm modules stay out of the bundle: Node loads them at run time.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "pg", "pino"],
};

export default nextConfig;
