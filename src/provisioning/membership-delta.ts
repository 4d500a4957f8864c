import type { MemberRef } from '../storage/member-store.js';

/**
 * The net membership change of one request: a member removed and added back (a `replace` of
 * the whole list keeping some members) changed nothing, and gets no event.
 */
export class MembershipDelta {
  private readonly addedById = new Map<string, MemberRef>();
  private readonly removedById = new Map<string, MemberRef>();

  added(members: readonly MemberRef[]): void {
    for (const m of members) {
      if (!this.removedById.delete(m.id)) this.addedById.set(m.id, m);
    }
  }

  removed(members: readonly MemberRef[]): void {
    for (const m of members) {
      if (!this.addedById.delete(m.id)) this.removedById.set(m.id, m);
    }
  }

  /** Removals, then additions, each in id order. */
  get changes(): { readonly added: MemberRef[]; readonly removed: MemberRef[] } {
    const byId = (a: MemberRef, b: MemberRef) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return { added: [...this.addedById.values()].sort(byId), removed: [...this.removedById.values()].sort(byId) };
  }
}
