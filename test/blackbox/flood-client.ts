/**
 * A tenant flooding the service, run as a process of its own (`node --import tsx`), as another
 * client machine would: its 64 clients' responses are read on its own event loop, so the calm
 * tenant's client in the test measures the service, not the flood's bookkeeping. Reads its
 * orders from FLOOD (JSON) and prints one JSON line of what it got when done.
 *
 * Each client alternates a write (POST /Users) with the costliest read the service allows (a
 * root search as deep as it goes), and on a 429 asks again at once: an abusive client that does
 * not wait the Retry-After. It starts and stops at the times it is given, which the test
 * shares: a line on stdout can reach the test late (seen under vitest), a clock does not.
 */
interface Orders {
  readonly base: string;
  readonly token: string;
  readonly clients: number;
  /** When to start and to stop, in Date.now() time, which the test shares. */
  readonly startAt: number;
  readonly endAt: number;
  /** How deep a root search reaches (startIndex - 1 + count); the service's limit. */
  readonly searchDepth: number;
}

export interface FloodReport {
  readonly statuses: Partial<Record<string, number>>;
  /** The median time to each status, in ms. */
  readonly medianMs: Record<string, number>;
  /** Up to 50 of the 429 answers, as received. */
  readonly refusals: { retryAfter: string | null; contentType: string | null; body: unknown }[];
  readonly networkErrors: number;
  /** When the first and the last answer came, in Date.now() time. */
  readonly firstAnswerAt: number;
  readonly lastAnswerAt: number;
}

const orders = JSON.parse(process.env['FLOOD'] ?? '{}') as Orders;
const statuses: Partial<Record<string, number>> = {};
const times: Partial<Record<string, number[]>> = {};
const refusals: FloodReport['refusals'] = [];
let networkErrors = 0;
let firstAnswerAt = Number.POSITIVE_INFINITY;
let lastAnswerAt = 0;

async function client(id: number): Promise<void> {
  for (let n = 0; Date.now() < orders.endAt; n += 1) {
    const search = n % 2 === 1;
    const started = performance.now();
    try {
      const res = await fetch(`${orders.base}${search ? '/.search' : '/Users'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${orders.token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(
          search
            ? {
                schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
                startIndex: orders.searchDepth - 999,
                count: 1000,
              }
            : { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `flood-${id}-${n}@flood.test` },
        ),
      });
      const text = await res.text();
      firstAnswerAt = Math.min(firstAnswerAt, Date.now());
      lastAnswerAt = Date.now();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      (times[res.status] ??= []).push(performance.now() - started);
      if (res.status === 429 && refusals.length < 50) {
        refusals.push({
          retryAfter: res.headers.get('retry-after'),
          contentType: res.headers.get('content-type'),
          body: JSON.parse(text) as unknown,
        });
      }
    } catch {
      networkErrors += 1;
    }
  }
}

await new Promise((resolve) => setTimeout(resolve, orders.startAt - Date.now()));
await Promise.all(Array.from({ length: orders.clients }, (_, id) => client(id)));
const medianMs = Object.fromEntries(
  Object.entries(times).map(([status, ms = []]) => [status, Math.round(ms.sort((x, y) => x - y)[ms.length >> 1] ?? 0)]),
);
const report: FloodReport = { statuses, medianMs, refusals, networkErrors, firstAnswerAt, lastAnswerAt };
process.stdout.write(`${JSON.stringify(report)}\n`);
