/** A bench's knob from the environment: a positive number, or `fallback` when unset. */
export function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** The same, for a knob that counts something: a positive integer. */
export function positiveInteger(name: string, fallback: number): number {
  const value = positive(name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a positive integer`);
  return value;
}
