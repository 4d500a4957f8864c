import type { JsonValue } from '../scim/resource/json.js';
import type { Database } from './db.js';
import { translateError } from './errors.js';

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  /** The identity provider the tenant declared; null: recognised per request. */
  readonly provider: string | null;
  /** What DELETE /Users/{id} does: "delete" or "deactivate". */
  readonly deletePolicy: string;
  /** Raised with every change to the tenant's schema extensions. */
  readonly schemaVersion: number;
  /** Raised by every change to its declared extensions: the number writes are fenced with. */
  readonly declaredVersion: number;
  /** The app's model of users and groups as stored; null: the default mapping. */
  readonly attributeMapping: JsonValue | null;
  /** "reject" or "accept": what an extension URN the tenant never declared gets. */
  readonly unknownExtensions: string;
  /** "deactivate" or "keep": what an agent gets when its last owner is deprovisioned. */
  readonly ownerlessAgents: string;
}

const columns = {
  id: true,
  name: true,
  createdAt: true,
  provider: true,
  deletePolicy: true,
  schemaVersion: true,
  declaredVersion: true,
  attributeMapping: true,
  unknownExtensions: true,
  ownerlessAgents: true,
} as const;

type Selected = Omit<TenantRecord, 'schemaVersion' | 'declaredVersion' | 'attributeMapping'> & {
  readonly schemaVersion: bigint;
  readonly declaredVersion: bigint;
  readonly attributeMapping: unknown;
};
const toRecord = ({ schemaVersion, declaredVersion, attributeMapping, ...rest }: Selected): TenantRecord => ({
  ...rest,
  schemaVersion: Number(schemaVersion),
  declaredVersion: Number(declaredVersion),
  attributeMapping: (attributeMapping ?? null) as JsonValue | null,
});

export class TenantStore {
  constructor(private readonly db: Database) {}

  /** Throws UniqueViolation when the id is taken. */
  async create(id: string, name: string): Promise<TenantRecord> {
    try {
      return toRecord(await this.db.tenant.create({ data: { id, name }, select: columns }));
    } catch (error) {
      throw translateError(error);
    }
  }

  async find(id: string): Promise<TenantRecord | null> {
    const record = await this.db.tenant.findUnique({ where: { id }, select: columns });
    return record === null ? null : toRecord(record);
  }

  async list(): Promise<TenantRecord[]> {
    return (await this.db.tenant.findMany({ select: columns, orderBy: { id: 'asc' } })).map(toRecord);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.db.tenant.findFirst({ select: { id: true } })) === null;
  }

  /** Null when there is no such tenant. */
  async update(
    id: string,
    changes: {
      name?: string;
      provider?: string | null;
      deletePolicy?: string;
      unknownExtensions?: string;
      ownerlessAgents?: string;
    },
  ): Promise<TenantRecord | null> {
    const { count } = await this.db.tenant.updateMany({ where: { id }, data: changes });
    return count === 0 ? null : this.find(id);
  }

  /**
   * Removes the tenant and every row it owns: through ON DELETE CASCADE, and its request log
   * explicitly (no foreign key, see RequestLogStore.insert). The tenant goes first: that waits
   * for a log batch being written for it, whose rows the second statement then sees.
   *
   * A large tenant's cascade may take longer than the statement timeout that bounds SCIM requests
   * (DATABASE_STATEMENT_TIMEOUT_MS), and an operator's deletion must not fail for it: the
   * transaction lifts it for itself (SET LOCAL ends with the transaction).
   */
  async delete(id: string): Promise<boolean> {
    const [, { count }] = await this.db.$transaction([
      this.db.$executeRawUnsafe('SET LOCAL statement_timeout = 0'),
      this.db.tenant.deleteMany({ where: { id } }),
      this.db.requestLogEntry.deleteMany({ where: { tenantId: id } }),
      // Unfolded counts have no foreign key either (migration 20261207110000): a tenant created
      // again under this id must start from zero.
      this.db.resourceCountDelta.deleteMany({ where: { tenantId: id } }),
    ]);
    return count > 0;
  }
}
