/**
 * Where a resource type's rows live and which of its attributes have columns of their own, as
 * plain data: storage/ compiles filters, sorts and pages from it, so a new resource type needs no
 * branch in the filter compiler (docs/architecture.md, "Adding a resource type").
 *
 * Every resource table has the same spine: tenant_id, id (uuid), document and its search shadow
 * (jsonb), version, created_at and updated_at. What differs is described here.
 */
export interface StorageDescriptor {
  readonly table: string;
  /**
   * Core attributes kept in a column beside the document, by attribute name: comparisons on them
   * use the column (and its index) instead of the shadow. id, externalId, meta.created and
   * meta.lastModified have columns in every table and are not repeated here.
   */
  readonly columns: Readonly<Record<string, StoredColumn>>;
  /**
   * Core attributes whose value is unique within a tenant (besides id): an `eq` on one of them
   * finds at most one resource, so its page needs no ordering and no count.
   */
  readonly uniqueKeys: readonly string[];
  /**
   * The multi-valued attribute this type computes from the membership table rather than its
   * document, and the side of a membership the type's rows are on.
   */
  readonly membership?: MembershipDescriptor;
  /** Rows with deleted_at set (the "deactivate" delete policy) are out of SCIM. */
  readonly softDelete: boolean;
  /**
   * Attributes whose values reference other resources of the tenant (Agent owners, parent,
   * AgenticApplication agents): kept in the document and in scim_references too, so a referenced
   * resource's deletion finds them and none is left dangling (provisioning/references.ts).
   */
  readonly references?: readonly ReferenceDescriptor[];
  /** Read-only attributes computed from other types' references to this one (Agent applications). */
  readonly referencedBy?: readonly ReverseReferenceDescriptor[];
}

export interface ReferenceDescriptor {
  /** The attribute of the core schema that holds references: each value's `value` is an id. */
  readonly attribute: string;
  /** The resource types a value may reference. */
  readonly targets: readonly string[];
  /** The value's `type` sub-attribute names the referenced resource's type (Agent owners). */
  readonly typed?: boolean;
}

export interface ReverseReferenceDescriptor {
  /** The read-only attribute computed here. */
  readonly attribute: string;
  /** The type whose references point at this one, and its attribute that holds them. */
  readonly from: string;
  readonly via: string;
  /** A sub-attribute of the referencing value carried over as is (AgenticApplication agents.type). */
  readonly carry?: string;
}

export interface StoredColumn {
  readonly column: string;
  /**
   * Compared through lower() in SQL: the value is folded by the same lower() as the unique
   * index, never by JavaScript, whose case mapping differs (final sigma, dotted I).
   */
  readonly folded: boolean;
}

export interface MembershipDescriptor {
  /** The attribute served from memberships: Group "members", User "groups". */
  readonly attribute: string;
  /**
   * "group": the type's rows contain members (scim_group_members.group_id). "member": the rows
   * are members of groups, directly or through nested groups (member_id).
   */
  readonly side: 'group' | 'member';
}

/** What a type's change events are called: `<prefix>.created`, `<prefix>.updated`, … */
export interface EventDescriptor {
  readonly prefix: string;
  /**
   * The type has the `active` attribute providers deactivate with: an update that turns it off
   * is `<prefix>.deactivated`, one that turns it back on `<prefix>.reactivated`.
   */
  readonly activatable: boolean;
}
