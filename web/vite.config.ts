/**
 * The console (`/`), the guard page (`/guard`), the installer page (`/installer`), the login page (`/login`) and the reports page (`/reports`), built by
 * Vite into web/dist, which the hub serves. Everything comes from npm and is bundled: nothing is fetched from
 * the internet at run time except map tiles from the configured tile server.
 *
 * The hub's CSP forbids inline script and style, so the build must emit external files only:
 * no module-preload polyfill (it would be injected into the page), no assets inlined as data: URIs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  // Copied as they are: the guard page's service worker and manifest must keep their names (a
  // service worker's URL is its identity, and its path sets its scope), and the icons they name.
  publicDir: 'static',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      input: {
        console: `${root}index.html`,
        guard: `${root}guard.html`,
        login: `${root}login.html`,
        installer: `${root}installer.html`,
        reports: `${root}reports.html`,
      },
    },
  },
});
