import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = new URL('.', import.meta.url).pathname;

// The web app is served by the API process at / (built into web/dist); GraphiQL
// is a second page of the same build, served at /graphiql.
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // GraphiQL (with its editor) is large by nature; it loads only on /graphiql.
    chunkSizeWarningLimit: 3000,
    rolldownOptions: { input: { main: `${root}index.html`, graphiql: `${root}graphiql.html` } },
  },
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } },
  },
});
