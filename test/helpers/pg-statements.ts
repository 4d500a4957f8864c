import pg from 'pg';

/**
 * Every statement any pg client of this process sends while `work` runs (Prisma's adapter and
 * the raw SQL share pg), as its text: the round trips a request costs, counted where they leave.
 */
export async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function query(this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    const text: unknown = typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : first;
    sent.push(typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : String(text));
    return Reflect.apply<unknown, unknown[], unknown>(original, this, args);
  };
  try {
    await work();
  } finally {
    prototype.query = original;
  }
  return sent;
}
