import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
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

const files = new Map<string, Promise<Buffer | undefined>>();

/** A built file, read once; undefined when the build has no such file (or there was no build). */
export function webFile(relative: string): Promise<Buffer | undefined> {
  const path = normalize(join(WEB_ROOT, relative));
  if (!path.startsWith(WEB_ROOT) || path.includes(`${sep}..${sep}`)) return Promise.resolve(undefined);
  let file = files.get(path);
  if (file === undefined) {
    file = readFile(path).catch(() => undefined);
    files.set(path, file);
  }
  return file;
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
      const file = type === undefined || name.includes('..') ? undefined : await webFile(`assets/${name}`);
      if (file === undefined || type === undefined) throw new HttpError(404, 'No such asset.');
      return reply
        .header('Cache-Control', 'public, max-age=31536000, immutable')
        .header('X-Content-Type-Options', 'nosniff')
        .type(type)
        .send(file);
    });
  };
}
