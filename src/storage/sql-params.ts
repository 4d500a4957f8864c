/** Collects bind parameters while SQL text is assembled, so values never enter the text. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** @param offset how many placeholders precede these ($offset+1 is the first). */
  constructor(private readonly offset = 0) {}

  /** Adds a value and returns its placeholder ($1, $2, …), with a cast when one is given. */
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    const placeholder = `$${this.offset + this.values.length}`;
    return cast === undefined ? placeholder : `${placeholder}::${cast}`;
  }
}
