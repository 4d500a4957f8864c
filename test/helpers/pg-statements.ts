import pg from 'pg';

/**
 * Every statement any pg client of this process sends while `work` runs (Prisma's adapter and
 * the raw SQL share pg), as its text: the round trips a request costs, counted where they leave.
 * Whitespace is collapsed unless `exact`, which keeps the text as sent (line breaks included, so
 * a `--` comment ends where it ends).
 */
export async function statementsDuring(work: () => Promise<unknown>, exact = false): Promise<string[]> {
  const sent: string[] = [];
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function query(this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    const text: unknown = typeof first === 'object' && first !== null ? (first as { text?: unknown }).text : first;
    if (typeof text !== 'string') sent.push(`unreadable statement: ${String(text)}`);
    else sent.push(exact ? text : text.replace(/\s+/g, ' ').trim());
    return Reflect.apply<unknown, unknown[], unknown>(original, this, args);
  };
  try {
    await work();
  } finally {
    prototype.query = original;
  }
  return sent;
}
