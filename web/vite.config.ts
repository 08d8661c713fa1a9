import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The web app is served by the API process at / (built into web/dist).
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } },
  },
});
