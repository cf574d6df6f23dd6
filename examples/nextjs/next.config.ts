import type { NextConfig } from 'next';

const config: NextConfig = {
  // Nothing is fetched at build or run time: no remote image optimisation.
  images: { unoptimized: true },
  poweredByHeader: false,
};

export default config;
