// xsd:dateTime (RFC 7643 §2.3.5): date, "T", time with optional fraction, optional zone.
const XSD_DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * UTC with exactly three fraction digits, so normalized values order correctly as text; a value
 * without a zone is read as UTC. Undefined when the text is not an xsd:dateTime.
 */
export function normalizeDateTime(text: string): string | undefined {
  if (!XSD_DATE_TIME.test(text)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(text);
  const time = Date.parse(hasZone ? text : `${text}Z`);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
