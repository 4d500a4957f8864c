import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { html } from '../shared/html.js';
import { ApiError, callJson, type CallOptions } from '../shared/http.js';
import { when } from '../shared/copy.js';

// The operators' console (docs/portals.md#the-console-for-operators): a page over the admin API,
// signed in with the admin token once and then carried by an HttpOnly session cookie; every
// change sends the session's CSRF token.

interface Session {
  readonly csrfToken: string;
  readonly expiresAt: string;
  readonly brand: { readonly name: string; readonly logoUrl: string | null };
}

interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly scimBaseUrl: string;
  readonly provider: string | null;
  readonly deletePolicy: string;
  readonly ownerlessAgents: string;
  readonly unknownExtensions: string;
  readonly createdAt: string;
}

interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly deliveredSequence: number;
  readonly failingSince: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly secret?: string;
}

interface WebhookFailure {
  readonly id: string;
  readonly eventSequence: number;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: string;
  readonly replayedAt: string | null;
}

interface LoggedRequest {
  readonly id: string;
  readonly receivedAt: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly provider: string;
  readonly requestBody?: unknown;
  readonly responseBody?: unknown;
}

interface ChangeEvent {
  readonly sequence: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly changedAttributes: readonly string[];
}

const PROVIDERS = ['okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'rippling', 'ping', 'generic'];

let csrfToken: string | undefined;
const admin = <T>(path: string, options: CallOptions = {}) =>
  callJson<T>(`/admin/v1${path}`, { ...options, csrfToken });
const errorText = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

/** A button row's outcome, announced to screen readers. */
function useStatus(): [string, (text: string) => void, (work: () => Promise<void>) => Promise<void>] {
  const [status, setStatus] = useState('');
  const run = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (e) {
      setStatus(errorText(e));
    }
  };
  return [status, setStatus, run];
}

function SignIn(props: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      props.onSignedIn(
        await callJson<Session>('/console/api/session', { method: 'POST', body: { adminToken: token } }),
      );
    } catch (e) {
      setError(errorText(e));
    }
  };
  return html`<main>
    <h1>Operator console</h1>
    <form onSubmit=${submit}>
      <label for="admin-token">Admin token</label>
      <div class="copyable">
        <input
          id="admin-token"
          type="password"
          autocomplete="off"
          value=${token}
          onInput=${(e: Event) => {
            setToken((e.target as HTMLInputElement).value);
          }}
        />
        <button type="submit" class="primary">Sign in</button>
      </div>
      <p role="alert" class="muted">${error}</p>
    </form>
  </main>`;
}

function Settings(props: { tenant: Tenant; onSaved: (t: Tenant) => void }) {
  const { tenant } = props;
  const [provider, setProvider] = useState(tenant.provider ?? '');
  const [deletePolicy, setDeletePolicy] = useState(tenant.deletePolicy);
  const [unknownExtensions, setUnknown] = useState(tenant.unknownExtensions);
  const [ownerlessAgents, setOwnerless] = useState(tenant.ownerlessAgents);
  const [status, setStatus, run] = useStatus();
  const save = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const saved = await admin<Tenant>(`/tenants/${tenant.id}`, {
        method: 'PATCH',
        body: { provider: provider === '' ? null : provider, deletePolicy, unknownExtensions, ownerlessAgents },
      });
      props.onSaved(saved);
      setStatus('Saved.');
    });
  };
  const value = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLSelectElement).value);
  };
  return html`<form class="settings" onSubmit=${save}>
    <p>SCIM base URL: <code>${tenant.scimBaseUrl}</code></p>
    <label for="provider">Identity provider</label>
    <select id="provider" value=${provider} onChange=${value(setProvider)}>
      <option value="">Recognise it per request</option>
      ${PROVIDERS.map((p) => html`<option value=${p}>${p}</option>`)}
    </select>
    <label for="delete-policy">Delete policy</label>
    <select id="delete-policy" value=${deletePolicy} onChange=${value(setDeletePolicy)}>
      <option value="delete">delete</option>
      <option value="deactivate">deactivate</option>
    </select>
    <label for="unknown-extensions">Unknown extensions</label>
    <select id="unknown-extensions" value=${unknownExtensions} onChange=${value(setUnknown)}>
      <option value="reject">reject</option>
      <option value="accept">accept</option>
    </select>
    <label for="ownerless-agents">Agents whose last owner is deprovisioned</label>
    <select id="ownerless-agents" value=${ownerlessAgents} onChange=${value(setOwnerless)}>
      <option value="deactivate">deactivate</option>
      <option value="keep">keep</option>
    </select>
    <p><button type="submit" class="primary">Save settings</button> <span role="status">${status}</span></p>
  </form>`;
}

interface Revocable {
  readonly id: string;
  readonly description: string;
  readonly date: string;
  readonly revokedAt: string | null;
}

/** Tokens or setup links: a table of them, each active one with its Revoke button. */
function Revocables(props: {
  noun: string;
  dateLabel: string;
  items: readonly Revocable[];
  onRevoke: (id: string) => void;
}) {
  return html`<table class="list">
    <thead>
      <tr>
        <th scope="col">Description</th>
        <th scope="col">${props.dateLabel}</th>
        <th scope="col">State</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${props.items.map(
        (item) =>
          html`<tr>
            <td>${item.description || '(none)'}</td>
            <td>${when(item.date)}</td>
            <td>${item.revokedAt === null ? 'active' : 'revoked'}</td>
            <td>
              ${
                item.revokedAt === null
                  ? html`<button
                      type="button"
                      class="danger"
                      onClick=${() => {
                        props.onRevoke(item.id);
                      }}
                      aria-label=${`Revoke ${props.noun} ${item.description}`}
                    >
                      Revoke
                    </button>`
                  : null
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function TokensAndLinks(props: { tenant: Tenant }) {
  const { id } = props.tenant;
  const [tokens, setTokens] = useState<
    { id: string; description: string; createdAt: string; revokedAt: string | null }[]
  >([]);
  const [links, setLinks] = useState<
    { id: string; description: string; expiresAt: string; revokedAt: string | null }[]
  >([]);
  const [shown, setShown] = useState('');
  const [status, setStatus, run] = useStatus();
  const load = useCallback(async () => {
    const [t, l] = await Promise.all([
      admin<{ tokens: typeof tokens }>(`/tenants/${id}/tokens`),
      admin<{ links: typeof links }>(`/tenants/${id}/portal-links`),
    ]);
    setTokens(t.tokens);
    setLinks(l.links);
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  const issueToken = () =>
    run(async () => {
      const issued = await admin<{ token: string }>(`/tenants/${id}/tokens`, {
        method: 'POST',
        body: { description: 'console' },
      });
      setShown(`Token (shown once): ${issued.token}`);
      await load();
    });
  const newLink = () =>
    run(async () => {
      const link = await admin<{ url: string }>(`/tenants/${id}/portal-links`, { method: 'POST', body: {} });
      setShown(`Setup link (shown once): ${link.url}`);
      await load();
    });
  const revoke = (kind: 'tokens' | 'portal-links', itemId: string) =>
    run(async () => {
      if (!confirm(`Revoke this ${kind === 'tokens' ? 'token' : 'setup link'}?`)) return;
      await admin(`/tenants/${id}/${kind}/${itemId}`, { method: 'DELETE' });
      setStatus('Revoked.');
      await load();
    });
  return html`
    <p>
      <button type="button" class="primary" onClick=${issueToken}>Issue a SCIM token</button>
      ${' '}<button type="button" onClick=${newLink}>Create a setup link</button>
    </p>
    ${shown === '' ? null : html`<p class="notice ok"><label for="shown-secret">Copy it now</label><input id="shown-secret" readonly value=${shown} /></p>`}
    <p role="status">${status}</p>
    <h3>SCIM tokens</h3>
    <${Revocables}
      noun="token"
      dateLabel="Created"
      items=${tokens.map((t) => ({ ...t, date: t.createdAt }))}
      onRevoke=${(itemId: string) => revoke('tokens', itemId)}
    />
    <h3>Setup links</h3>
    <${Revocables}
      noun="setup link"
      dateLabel="Expires"
      items=${links.map((l) => ({ ...l, date: l.expiresAt }))}
      onRevoke=${(itemId: string) => revoke('portal-links', itemId)}
    />
  `;
}

function Webhooks(props: { tenant: Tenant }) {
  const { id } = props.tenant;
  const [webhooks, setWebhooks] = useState<Webhook[]>([]);
  const [failures, setFailures] = useState<Record<string, WebhookFailure[]>>({});
  const [url, setUrl] = useState('');
  const [status, setStatus, run] = useStatus();
  const load = useCallback(async () => {
    const { webhooks: list } = await admin<{ webhooks: Webhook[] }>(`/tenants/${id}/webhooks`);
    setWebhooks(list);
    const entries = await Promise.all(
      list.map(
        async (w) =>
          [
            w.id,
            (await admin<{ failures: WebhookFailure[] }>(`/tenants/${id}/webhooks/${w.id}/failures`)).failures,
          ] as const,
      ),
    );
    setFailures(Object.fromEntries(entries));
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  const add = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const created = await admin<Webhook>(`/tenants/${id}/webhooks`, { method: 'POST', body: { url } });
      setStatus(`Subscribed. Its signing secret (shown once): ${created.secret ?? ''}`);
      setUrl('');
      await load();
    });
  };
  const rotate = (webhookId: string) =>
    run(async () => {
      const rotated = await admin<Webhook>(`/tenants/${id}/webhooks/${webhookId}/rotate-secret`, { method: 'POST' });
      setStatus(`New signing secret (shown once): ${rotated.secret ?? ''}`);
      await load();
    });
  const replay = (webhookId: string, failureId: string) =>
    run(async () => {
      const outcome = await admin<{ delivered: boolean; status: number | null; error: string | null }>(
        `/tenants/${id}/webhooks/${webhookId}/failures/${failureId}/replay`,
        { method: 'POST' },
      );
      setStatus(
        outcome.delivered ? `Replayed: delivered (${outcome.status ?? ''}).` : `Replay failed: ${outcome.error ?? ''}`,
      );
      await load();
    });
  const toggle = (w: Webhook) =>
    run(async () => {
      await admin(`/tenants/${id}/webhooks/${w.id}`, { method: 'PATCH', body: { enabled: !w.enabled } });
      await load();
    });
  return html`
    <form onSubmit=${add}>
      <label for="webhook-url">Endpoint URL</label>
      <div class="copyable">
        <input
          id="webhook-url"
          type="url"
          required
          value=${url}
          onInput=${(e: Event) => {
            setUrl((e.target as HTMLInputElement).value);
          }}
        />
        <button type="submit" class="primary">Add webhook</button>
      </div>
    </form>
    <p role="status" id="webhook-status">${status}</p>
    <button type="button" onClick=${() => void run(load)}>Refresh</button>
    ${webhooks.map(
      (w) =>
        html`<section class="card webhook" aria-label=${`Webhook ${w.url}`}>
          <p><strong>${w.url}</strong></p>
          <p class="delivery-state">
            ${w.enabled ? 'Enabled' : (w.disabledReason ?? 'Disabled')} · delivered up to event ${w.deliveredSequence}
            ${w.failingSince === null ? '' : ` · failing since ${when(w.failingSince)} (${w.attempts} attempts): ${w.lastError ?? ''}`}
          </p>
          <p>
            <button type="button" onClick=${() => rotate(w.id)}>Rotate secret</button>
            ${' '}<button type="button" onClick=${() => toggle(w)}>${w.enabled ? 'Disable' : 'Enable'}</button>
          </p>
          <h4>Failed deliveries</h4>
          ${
            (failures[w.id] ?? []).length === 0
              ? html`<p class="muted">None.</p>`
              : html`<ul class="failures">
                  ${(failures[w.id] ?? []).map(
                    (f) =>
                      html`<li>
                        Event ${f.eventSequence}: ${f.lastError} (${f.attempts} attempts, ${when(f.failedAt)})
                        ${f.replayedAt === null ? '' : ` · replayed ${when(f.replayedAt)}`} ${' '}<button
                          type="button"
                          onClick=${() => replay(w.id, f.id)}
                          aria-label=${`Replay event ${f.eventSequence}`}
                        >
                          Replay
                        </button>
                      </li>`,
                  )}
                </ul>`
          }
        </section>`,
    )}
  `;
}

interface Extension {
  readonly id: string;
  readonly name?: string;
  readonly resourceType: string;
}

/** JSON the operator typed, or a message saying where it is not JSON. */
function parsed(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `Not JSON: ${errorText(e)}` };
  }
}

/** The tenant's schema extensions (docs/schemas.md) and attribute mapping (docs/events.md), as JSON. */
function SchemasAndMapping(props: { tenant: Tenant }) {
  const { id } = props.tenant;
  const [extensions, setExtensions] = useState<Extension[]>([]);
  const [draft, setDraft] = useState('');
  const [mapping, setMapping] = useState('');
  const [isDefault, setIsDefault] = useState(true);
  const [status, setStatus, run] = useStatus();
  const load = useCallback(async () => {
    const [list, current] = await Promise.all([
      admin<{ extensions: Extension[] }>(`/tenants/${id}/schemas`),
      admin<{ mapping: unknown; isDefault: boolean }>(`/tenants/${id}/attribute-mapping`),
    ]);
    setExtensions(list.extensions);
    setMapping(JSON.stringify(current.mapping, null, 2));
    setIsDefault(current.isDefault);
  }, [id]);
  useEffect(() => {
    void run(load);
  }, [load]);
  const saveExtension = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const json = parsed(draft);
      if ('error' in json) {
        setStatus(json.error);
        return;
      }
      const urn = (json.value as { id?: unknown }).id;
      if (typeof urn !== 'string') {
        setStatus('The schema needs its "id", the extension URN.');
        return;
      }
      await admin(`/tenants/${id}/schemas/${encodeURIComponent(urn)}`, { method: 'PUT', body: json.value });
      setStatus(`Saved ${urn}.`);
      await load();
    });
  };
  const removeExtension = (urn: string) =>
    run(async () => {
      if (!confirm(`Remove the extension ${urn}?`)) return;
      await admin(`/tenants/${id}/schemas/${encodeURIComponent(urn)}`, { method: 'DELETE' });
      setStatus(`Removed ${urn}.`);
      await load();
    });
  const saveMapping = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const json = parsed(mapping);
      if ('error' in json) {
        setStatus(json.error);
        return;
      }
      await admin(`/tenants/${id}/attribute-mapping`, { method: 'PUT', body: json.value });
      setStatus('Mapping saved: later events carry it.');
      await load();
    });
  };
  const resetMapping = () =>
    run(async () => {
      await admin(`/tenants/${id}/attribute-mapping`, { method: 'DELETE' });
      setStatus('The default mapping is back.');
      await load();
    });
  const text = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLTextAreaElement).value);
  };
  return html`
    <p role="status">${status}</p>
    <h3>Schema extensions</h3>
    ${
      extensions.length === 0
        ? html`<p class="muted">None declared.</p>`
        : html`<ul>
            ${extensions.map(
              (x) =>
                html`<li>
                  <code>${x.id}</code> (${x.resourceType}${x.name === undefined ? '' : `, ${x.name}`}) ${' '}<button
                    type="button"
                    class="danger"
                    onClick=${() => removeExtension(x.id)}
                    aria-label=${`Remove ${x.id}`}
                  >
                    Remove
                  </button>
                </li>`,
            )}
          </ul>`
    }
    <form class="settings" onSubmit=${saveExtension}>
      <label for="extension-json">Add or replace an extension: its RFC 7643 §7 schema with "resourceType"</label>
      <textarea id="extension-json" rows="8" value=${draft} onInput=${text(setDraft)}></textarea>
      <p><button type="submit" class="primary">Save extension</button></p>
    </form>
    <h3>Attribute mapping ${isDefault ? html`<span class="muted">(the default)</span>` : null}</h3>
    <form class="settings" onSubmit=${saveMapping}>
      <label for="mapping-json">The app's model of users and groups: field → SCIM path</label>
      <textarea id="mapping-json" rows="12" value=${mapping} onInput=${text(setMapping)}></textarea>
      <p>
        <button type="submit" class="primary">Save mapping</button>
        ${' '}<button type="button" onClick=${resetMapping}>Restore the default</button>
      </p>
    </form>
  `;
}

function Requests(props: { tenant: Tenant }) {
  const { id } = props.tenant;
  const [filters, setFilters] = useState({ status: '', provider: '', since: '', until: '' });
  const [requests, setRequests] = useState<LoggedRequest[]>([]);
  const [status, , run] = useStatus();
  const load = useCallback(async () => {
    const query = new URLSearchParams();
    if (filters.status !== '') query.set('status', filters.status);
    if (filters.provider !== '') query.set('provider', filters.provider);
    if (filters.since !== '') query.set('since', new Date(filters.since).toISOString());
    if (filters.until !== '') query.set('until', new Date(filters.until).toISOString());
    setRequests((await admin<{ requests: LoggedRequest[] }>(`/tenants/${id}/requests?${query.toString()}`)).requests);
  }, [id, filters]);
  useEffect(() => {
    void run(load);
  }, [load]);
  const field = (name: keyof typeof filters) => (e: Event) => {
    setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value });
  };
  return html`
    <form
      class="settings filters"
      onSubmit=${(e: Event) => {
        e.preventDefault();
        void run(load);
      }}
    >
      <label for="filter-status">Status</label>
      <input
        id="filter-status"
        inputmode="numeric"
        pattern="[1-5][0-9]{2}"
        value=${filters.status}
        onChange=${field('status')}
      />
      <label for="filter-provider">Provider</label>
      <select id="filter-provider" value=${filters.provider} onChange=${field('provider')}>
        <option value="">any</option>
        ${PROVIDERS.map((p) => html`<option value=${p}>${p}</option>`)}
      </select>
      <label for="filter-since">From</label>
      <input id="filter-since" type="datetime-local" value=${filters.since} onChange=${field('since')} />
      <label for="filter-until">Until</label>
      <input id="filter-until" type="datetime-local" value=${filters.until} onChange=${field('until')} />
    </form>
    <p role="status">${status}</p>
    <table class="list">
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Request</th>
          <th scope="col">Status</th>
          <th scope="col">Provider</th>
          <th scope="col">Bodies (redacted)</th>
        </tr>
      </thead>
      <tbody>
        ${requests.map(
          (r) =>
            html`<tr>
              <td>${when(r.receivedAt)}</td>
              <td>${r.method} ${r.path}</td>
              <td>${r.status}</td>
              <td>${r.provider}</td>
              <td>
                <details>
                  <summary>Show</summary>
                  <pre>
${JSON.stringify({ request: r.requestBody ?? null, response: r.responseBody ?? null }, null, 2)}</pre>
                </details>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}

function Timeline(props: { tenant: Tenant }) {
  const { id } = props.tenant;
  const [userId, setUserId] = useState('');
  const [events, setEvents] = useState<ChangeEvent[] | undefined>(undefined);
  const [status, setStatus, run] = useStatus();
  const show = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      setStatus('');
      setEvents(
        (await admin<{ events: ChangeEvent[] }>(`/tenants/${id}/resources/${encodeURIComponent(userId.trim())}/events`))
          .events,
      );
    });
  };
  return html`
    <form onSubmit=${show}>
      <label for="timeline-user">User or group id</label>
      <div class="copyable">
        <input
          id="timeline-user"
          value=${userId}
          onInput=${(e: Event) => {
            setUserId((e.target as HTMLInputElement).value);
          }}
        />
        <button type="submit" class="primary">Show its changes</button>
      </div>
    </form>
    <p role="status">${status}</p>
    ${
      events === undefined
        ? null
        : events.length === 0
          ? html`<p class="muted">No change events for it (events are kept for EVENT_RETENTION_DAYS).</p>`
          : html`<ol class="timeline">
              ${events.map(
                (e) =>
                  html`<li>
                    <strong>${e.type}</strong> · event ${e.sequence} · ${when(e.occurredAt)}
                    ${e.changedAttributes.length === 0 ? '' : html` · changed: <code>${e.changedAttributes.join(', ')}</code>`}
                  </li>`,
              )}
            </ol>`
    }
  `;
}

const TENANT_TABS = [
  ['settings', 'Settings'],
  ['schemas', 'Schemas and mapping'],
  ['access', 'Tokens and setup links'],
  ['webhooks', 'Webhooks'],
  ['requests', 'Request log'],
  ['timeline', 'User timeline'],
] as const;
type TenantTab = (typeof TENANT_TABS)[number][0];

function TenantView(props: { tenant: Tenant; onChanged: () => void; onDeleted: () => void }) {
  const [tenant, setTenant] = useState(props.tenant);
  const [tab, setTab] = useState<TenantTab>('settings');
  const [status, , run] = useStatus();
  useEffect(() => {
    setTenant(props.tenant);
  }, [props.tenant]);
  const remove = () =>
    run(async () => {
      const typed = prompt(
        `Deleting "${tenant.id}" removes all its users, groups, events and tokens. Type its id to confirm.`,
      );
      if (typed !== tenant.id) return;
      await admin(`/tenants/${tenant.id}`, { method: 'DELETE' });
      props.onDeleted();
    });
  return html`<section aria-labelledby="tenant-title">
    <h2 id="tenant-title">${tenant.name} <span class="muted">(${tenant.id})</span></h2>
    <nav class="tabs" role="tablist" aria-label="Tenant">
      ${TENANT_TABS.map(
        ([key, label]) =>
          html`<button
            type="button"
            role="tab"
            aria-selected=${tab === key ? 'true' : 'false'}
            onClick=${() => {
              setTab(key);
            }}
          >
            ${label}
          </button>`,
      )}
    </nav>
    <div role="tabpanel" aria-label=${TENANT_TABS.find(([key]) => key === tab)?.[1] ?? ''}>
      ${
        tab === 'settings'
          ? html`<${Settings}
                tenant=${tenant}
                onSaved=${(t: Tenant) => {
                  setTenant(t);
                  props.onChanged();
                }}
              />
              <p>
                <button type="button" class="danger" onClick=${remove}>Delete this tenant</button>
                <span role="status">${status}</span>
              </p>`
          : tab === 'schemas'
            ? html`<${SchemasAndMapping} tenant=${tenant} />`
            : tab === 'access'
              ? html`<${TokensAndLinks} tenant=${tenant} />`
              : tab === 'webhooks'
                ? html`<${Webhooks} tenant=${tenant} />`
                : tab === 'requests'
                  ? html`<${Requests} tenant=${tenant} />`
                  : html`<${Timeline} tenant=${tenant} />`
      }
    </div>
  </section>`;
}

function Tenants() {
  const [tenants, setTenants] = useState<Tenant[]>([]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [find, setFind] = useState('');
  const [draft, setDraft] = useState({ id: '', name: '' });
  const [status, setStatus, run] = useStatus();
  const load = useCallback(async () => {
    setTenants((await admin<{ tenants: Tenant[] }>('/tenants')).tenants);
  }, []);
  useEffect(() => {
    void run(load);
  }, [load]);
  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const created = await admin<Tenant>('/tenants', { method: 'POST', body: draft });
      setDraft({ id: '', name: '' });
      setStatus(`Created ${created.id}.`);
      await load();
      setSelected(created.id);
    });
  };
  const shown = tenants.filter((t) => `${t.id} ${t.name}`.toLowerCase().includes(find.toLowerCase()));
  const current = tenants.find((t) => t.id === selected);
  const input = (name: 'id' | 'name') => (e: Event) => {
    setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value });
  };
  return html`<div class="columns">
    <aside aria-label="Tenants">
      <h2>Tenants</h2>
      <label for="tenant-find">Find</label>
      <input
        id="tenant-find"
        type="search"
        value=${find}
        onInput=${(e: Event) => {
          setFind((e.target as HTMLInputElement).value);
        }}
      />
      <ul class="tenant-list">
        ${shown.map(
          (t) =>
            html`<li>
              <button
                type="button"
                aria-current=${t.id === selected ? 'true' : 'false'}
                onClick=${() => {
                  setSelected(t.id);
                }}
              >
                ${t.name} <span class="muted">${t.id}</span>
              </button>
            </li>`,
        )}
      </ul>
      <form class="settings" onSubmit=${create}>
        <h3>New tenant</h3>
        <label for="new-tenant-id">Id (a–z, 0–9, -)</label>
        <input id="new-tenant-id" required pattern="[a-z0-9-]{1,63}" value=${draft.id} onInput=${input('id')} />
        <label for="new-tenant-name">Name</label>
        <input id="new-tenant-name" required value=${draft.name} onInput=${input('name')} />
        <p><button type="submit" class="primary">Create tenant</button></p>
      </form>
      <p role="status">${status}</p>
    </aside>
    <div class="detail">
      ${
        current === undefined
          ? html`<p class="muted">Choose or create a tenant.</p>`
          : html`<${TenantView}
              tenant=${current}
              onChanged=${() => void run(load)}
              onDeleted=${() => {
                setSelected(undefined);
                setStatus('Deleted.');
                void run(load);
              }}
            />`
      }
    </div>
  </div>`;
}

function Health() {
  const [health, setHealth] = useState<Record<string, number> | undefined>(undefined);
  const [status, , run] = useStatus();
  const load = useCallback(async () => {
    setHealth(await admin<Record<string, number>>('/health'));
  }, []);
  useEffect(() => {
    void run(load);
  }, [load]);
  return html`<section aria-labelledby="health-title">
    <h2 id="health-title">Event delivery</h2>
    <button type="button" onClick=${() => void run(load)}>Refresh</button>
    <p role="status">${status}</p>
    ${
      health === undefined
        ? null
        : html`<div class="cards">
            <div class="card">
              <div class="number">${Math.round(health['oldestUndeliveredAgeSeconds'] ?? 0)} s</div>
              <div>oldest undelivered event</div>
            </div>
            <div class="card">
              <div class="number">${health['unnumberedEvents']}</div>
              <div>events waiting for their number</div>
            </div>
            <div class="card">
              <div class="number">${health['failingSubscriptions']}</div>
              <div>webhooks failing</div>
            </div>
            <div class="card">
              <div class="number">${health['disabledSubscriptions']}</div>
              <div>webhooks disabled</div>
            </div>
          </div>`
    }
  </section>`;
}

function Console(props: { session: Session; onSignedOut: () => void }) {
  const [view, setView] = useState<'tenants' | 'health'>('tenants');
  const signOut = async () => {
    await callJson('/console/api/session', { method: 'DELETE', csrfToken });
    props.onSignedOut();
  };
  return html`
    <header class="top">
      ${props.session.brand.logoUrl === null ? null : html`<img src=${props.session.brand.logoUrl} alt="" />`}
      <span class="brand">${props.session.brand.name}</span>
      <span class="tenant">Operator console</span>
      <button type="button" onClick=${() => void signOut()}>Sign out</button>
    </header>
    <main class="wide">
      <nav class="tabs" aria-label="Console">
        <button
          type="button"
          aria-current=${view === 'tenants' ? 'page' : 'false'}
          onClick=${() => {
            setView('tenants');
          }}
        >
          Tenants
        </button>
        <button
          type="button"
          aria-current=${view === 'health' ? 'page' : 'false'}
          onClick=${() => {
            setView('health');
          }}
        >
          Health
        </button>
      </nav>
      ${view === 'tenants' ? html`<${Tenants} />` : html`<${Health} />`}
    </main>
  `;
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    callJson<Session>('/console/api/session').then(
      (s) => {
        csrfToken = s.csrfToken;
        setSession(s);
      },
      () => {
        setSession(null);
      },
    );
  }, []);
  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (session === null) {
    return html`<${SignIn}
      onSignedIn=${(s: Session) => {
        csrfToken = s.csrfToken;
        setSession(s);
      }}
    />`;
  }
  return html`<${Console}
    session=${session}
    onSignedOut=${() => {
      csrfToken = undefined;
      setSession(null);
    }}
  />`;
}

const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
