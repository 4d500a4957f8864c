/** RFC 7644 §3.12 and RFC 9865: the scimType values a SCIM error may carry. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 §2.3 (cursor pagination).
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimErrorBody {
  readonly schemas: readonly [typeof ERROR_SCHEMA];
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail: string;
}

/** The one error type the protocol core throws; http/ renders it as RFC 7644 §3.12 describes. */
export class ScimError extends Error {
  override name = 'ScimError';

  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
  ) {
    super(detail);
  }

  toBody(): ScimErrorBody {
    return errorBody(this.status, this.detail, this.scimType);
  }
}

/** RFC 7644 §3.12: status is a string in the body, scimType only where the RFC defines one. */
export function errorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType === undefined ? {} : { scimType }),
    detail,
  };
}
