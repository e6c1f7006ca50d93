/**
 * The dashboard build. `kin serve` serves `dist/` at `/`; the API stays on `/v1`. In development
 * (`npm run dev -w @kin/dashboard`) Vite proxies `/v1` and `/sdk.js` to a Kin on KIN_URL (default :8080).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const target = process.env['KIN_URL'] ?? 'http://localhost:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/v1': target, '/sdk.js': target } },
});
