import { readdir, readFile } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BrandConfig } from '../config/config.js';
import { HttpError } from './plugins/errors.js';

/**
 * The portals' built files (`npm run build`: Vite writes them to dist/web, scripts/build-guides.mjs
 * the guides): two levels up from this file, whether it runs from src/ or dist/.
 */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/**
 * The built files, listed once: only a name on this list is ever read, so a request for any other
 * name costs a lookup and nothing is kept for it (a cache keyed by whatever was asked for would
 * grow with every made-up name).
 */
let built: Promise<ReadonlyMap<string, () => Promise<Buffer | undefined>>> | undefined;

async function listBuilt(): Promise<ReadonlyMap<string, () => Promise<Buffer | undefined>>> {
  const names = await readdir(WEB_ROOT, { recursive: true }).catch(() => [] as string[]);
  const files = new Map<string, () => Promise<Buffer | undefined>>();
  for (const name of names) {
    const relative = name.split(sep).join('/');
    if (TYPES[extname(relative)] === undefined) continue;
    // Read on first use, then kept: the list is the build's, so the memory is bounded by it.
    let read: Promise<Buffer | undefined> | undefined;
    files.set(relative, () => (read ??= readFile(join(WEB_ROOT, relative)).catch(() => undefined)));
  }
  return files;
}

/** A built file by its path under dist/web; undefined when the build has no such file. */
export async function webFile(relative: string): Promise<Buffer | undefined> {
  built ??= listBuilt();
  return (await built).get(relative)?.();
}

/**
 * The portals' Content-Security-Policy: scripts, styles and requests only from the service
 * itself, nothing inline, no framing, no plugins; images also from the brand's logo origin.
 */
export function contentSecurityPolicy(brand: BrandConfig): string {
  const logo = brand.logoUrl?.startsWith('https://') === true ? ` ${new URL(brand.logoUrl).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${logo}`,
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Sends a built page with the portals' security headers; 503 when the service was not built. Its
 * asset paths (/web/…) get PUBLIC_URL's path prefix, for a service served under one.
 */
export async function sendPage(
  reply: FastifyReply,
  page: string,
  options: { brand: BrandConfig; publicUrl: string },
): Promise<FastifyReply> {
  const { brand, publicUrl } = options;
  const built = await webFile(page);
  if (built === undefined) {
    throw new HttpError(503, 'The portals are not built: run "npm run build" (it builds them into dist/web).');
  }
  const prefix = new URL(publicUrl).pathname.replace(/\/+$/, '');
  const html = prefix === '' ? built : built.toString('utf8').replaceAll('"/web/', `"${prefix}/web/`);
  return reply
    .header('Content-Security-Policy', contentSecurityPolicy(brand))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Frame-Options', 'DENY')
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** /web/assets/*: the bundles Vite names by their content, so they are cached for good. */
export function webAssetRoutes() {
  return async (app: FastifyInstance) => {
    app.get<{ Params: { '*': string } }>('/web/assets/*', async (request, reply) => {
      const name = request.params['*'];
      const type = TYPES[extname(name)];
      // Only a name the build made is found (webFile's list), whatever the request spelled.
      const file = type === undefined ? undefined : await webFile(`assets/${name}`);
      if (file === undefined || type === undefined) throw new HttpError(404, 'No such asset.');
      return reply
        .header('Cache-Control', 'public, max-age=31536000, immutable')
        .header('X-Content-Type-Options', 'nosniff')
        .type(type)
        .send(file);
    });
  };
}
