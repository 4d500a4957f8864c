import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium, which .ci/run installs when it is missing (`npx playwright install` cannot run here). */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium), as .ci/run does.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * axe-core's WCAG 2 A and AA checks on the page as it stands. The library is evaluated through the
 * DevTools protocol, which the page's Content-Security-Policy does not govern, so the page under
 * test keeps its real policy.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}

const SHOTS = mkdtempSync(join(tmpdir(), 'portal-shots-'));
const DOC_IMAGES = join(import.meta.dirname, '../../docs/images');

/**
 * Photographs the page as `name`: every run keeps it in a temporary folder; with SCREENSHOTS=docs
 * (npm run screenshots) the server mode's pictures replace those in docs/images.
 */
export async function screenshot(page: Page, mode: string, name: string): Promise<void> {
  const path = join(SHOTS, `${mode}-${name}.png`);
  await page.screenshot({ path });
  if (mode === 'server' && process.env['SCREENSHOTS'] === 'docs') {
    mkdirSync(DOC_IMAGES, { recursive: true });
    copyFileSync(path, join(DOC_IMAGES, `${name}.png`));
  }
}

/** Fails with axe-core's findings when the page as it stands breaks a WCAG 2.1 A or AA rule. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}
