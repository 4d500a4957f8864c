import { pino, type Bindings, type Level } from 'pino';

/** A pino logger as Fastify hands it to a request (Fastify adds its req/res serializers to it). */
export interface ParentLogger<C extends ChildLogger<C>> {
  readonly level: string;
  child(bindings: Bindings, options?: object): C;
}

/** What a request's logger needs of the pino child it makes (`Self`: the type its own children have). */
export interface ChildLogger<Self> {
  readonly level: string;
  fatal(...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  trace(...args: unknown[]): void;
  child(bindings: Bindings, options?: object): Self;
  setBindings?(bindings: Bindings): void;
}

/**
 * A request's logger that costs nothing until it writes. Every line a request logs names the
 * request (and its tenant and provider), which takes a pino child; made for every request, the
 * children cost a read about a tenth of its CPU in `npm run bench`, at a level (warn) where most
 * requests log nothing. This one makes the child the first time a line at an enabled level is
 * written, with the same bindings, so the lines are exactly the child's.
 */
export class RequestLogger<C extends ChildLogger<C>> {
  private real: C | undefined;
  private pending: Bindings;

  constructor(
    private readonly parent: ParentLogger<C>,
    bindings: Bindings,
  ) {
    this.pending = bindings;
  }

  get level(): string {
    return this.parent.level;
  }

  isLevelEnabled(level: string): boolean {
    const wanted = pino.levels.values[level];
    // "silent" (or an unknown level) enables nothing.
    const threshold = pino.levels.values[this.parent.level] ?? Infinity;
    return wanted !== undefined && wanted >= threshold;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {
    // Nothing is written at "silent".
  }

  child(bindings: Bindings, options?: object): C {
    return this.logger().child(bindings, options);
  }

  /** As pino's: later lines carry these bindings too. */
  setBindings(bindings: Bindings): void {
    if (this.real === undefined) this.pending = { ...this.pending, ...bindings };
    else this.real.setBindings?.(bindings);
  }

  private logger(): C {
    this.real ??= this.parent.child(this.pending);
    return this.real;
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    this.logger()[level](...args);
  }
}
