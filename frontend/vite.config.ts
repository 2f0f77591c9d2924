import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` and `npm run preview` forward /graphql to the API (default 127.0.0.1:8080;
// set PB_API_URL to point elsewhere), so the browser sees one origin, as in production where
// the API binary serves frontend/dist itself.
const api = process.env.PB_API_URL ?? 'http://127.0.0.1:8080';
const proxy = { '/graphql': { target: api, changeOrigin: false } };

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  // ECharts alone is ~500 kB minified; it is split into the chart pages' own chunk. GraphiQL is a
  // second page (graphiql.html, served by the API at GET /graphql) with its editor's workers. No
  // source maps in the production build: the API binary serves dist/ as is, and maps would
  // publish the sources (`npm run dev` has them).
  build: {
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: { input: { main: 'index.html', graphiql: 'graphiql.html' } },
  },
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
