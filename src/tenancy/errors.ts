export class TenantExistsError extends Error {
  override name = 'TenantExistsError';
  constructor(readonly tenantId: string) {
    super(`A tenant with id "${tenantId}" already exists.`);
  }
}

export class TenantNotFoundError extends Error {
  override name = 'TenantNotFoundError';
  constructor(readonly tenantId: string) {
    super(`No tenant with id "${tenantId}".`);
  }
}
