import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The portals' front end (docs/decisions/0010-portal-front-end.md): src/web, built into dist/web,
// where the service serves it (src/http/web-assets.ts). Assets live under /web/assets/.
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/web/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    // No inline script or style, which the Content-Security-Policy refuses.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        portal: fileURLToPath(new URL('./src/web/portal.html', import.meta.url)),
        console: fileURLToPath(new URL('./src/web/console.html', import.meta.url)),
      },
    },
  },
});
