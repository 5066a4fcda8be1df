import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The interface is built into dist/web, which the server serves at "/".
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
  },
});
