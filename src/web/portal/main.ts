import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../shared/html.js';
import { ApiError, callJson } from '../shared/http.js';
import { copyText, when } from '../shared/copy.js';

// The setup portal for a tenant's IT admin (docs/portals.md). It lives at /portal/{tenantId}/ and
// talks to ./api/…; the link's secret arrives in the URL fragment and is traded for a session
// cookie at once, then removed from the address bar and the history.

interface Session {
  readonly tenant: { readonly id: string; readonly name: string };
  readonly scimBaseUrl: string;
  readonly provider: string | null;
  readonly deletePolicy: string;
  readonly allowSettings: boolean;
  readonly expiresAt: string;
  readonly csrfToken: string;
  readonly brand: { readonly name: string; readonly logoUrl: string | null };
  readonly providers: readonly { readonly id: string; readonly name: string }[];
}

interface Token {
  readonly id: string;
  readonly description: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly token?: string;
}

interface Seen {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly provider: string;
}

interface Overview {
  readonly users: number;
  readonly groups: number;
  readonly lastAuthenticated: Seen | null;
  readonly lastRefused: { readonly at: string; readonly provider: string; readonly reason: string } | null;
  readonly lastActivity: Seen | null;
}

interface Failure {
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly provider: string;
  readonly summary: string;
  readonly fix: string;
  readonly detail?: string;
}

const api = (path: string) => `./api/${path}`;

/** Text with `backquoted` names shown as code, as the explanations write attribute names. */
const withCode = (text: string) =>
  text.split('`').map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : part));

/** When and what a refused request was, and the service's own words. */
const meta = (f: Failure) =>
  [when(f.at), `${f.method} ${f.path}`, `status ${f.status}`, ...(f.detail === undefined ? [] : [f.detail])].join(
    ' · ',
  );

async function openSession(): Promise<Session> {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const link = fragment.get('link');
  if (link !== null) {
    // No secret stays in the address bar, the history or a bookmark once it is traded.
    history.replaceState(null, '', location.pathname + location.search);
    return callJson<Session>(api('session'), { method: 'POST', body: { link } });
  }
  return callJson<Session>(api('session'));
}

function CopyField(props: { label: string; value: string; id: string }) {
  const [status, setStatus] = useState('');
  const copy = async () => {
    setStatus((await copyText(props.value)) ? 'Copied.' : 'Select the text and copy it.');
  };
  return html`
    <label for=${props.id}>${props.label}</label>
    <div class="copyable">
      <input
        id=${props.id}
        readonly
        value=${props.value}
        onFocus=${(e: FocusEvent) => {
          (e.target as HTMLInputElement).select();
        }}
      />
      <button type="button" onClick=${copy} aria-describedby=${`${props.id}-status`}>Copy</button>
      <span id=${`${props.id}-status`} role="status" class="muted">${status}</span>
    </div>
  `;
}

function Guide(props: { provider: string }) {
  const [guide, setGuide] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setGuide(undefined);
    setError(undefined);
    callJson<{ html: string }>(api(`guides/${props.provider}`))
      .then((g) => {
        setGuide(g.html);
      })
      .catch((e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
      });
  }, [props.provider]);
  useEffect(() => {
    const root = container.current;
    if (root === null || guide === undefined) return;
    // Each code block gets a copy button; links leave the portal in a new tab.
    for (const pre of root.querySelectorAll('pre')) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy';
      button.textContent = 'Copy';
      button.setAttribute('aria-label', 'Copy this block');
      button.addEventListener('click', () => {
        void copyText(pre.querySelector('code')?.textContent ?? pre.textContent).then((ok) => {
          button.textContent = ok ? 'Copied' : 'Select to copy';
        });
      });
      pre.prepend(button);
    }
    for (const a of root.querySelectorAll('a[href^="http"]')) {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
    }
  }, [guide]);
  if (error !== undefined) return html`<p class="notice bad" role="alert">${error}</p>`;
  if (guide === undefined) return html`<p class="muted">Loading the guide…</p>`;
  return html`<section class="guide" aria-label="Step-by-step guide">
    <div ref=${container} dangerouslySetInnerHTML=${{ __html: guide }}></div>
  </section>`;
}

function SetUp(props: { session: Session }) {
  const { session } = props;
  const [provider, setProvider] = useState<string | undefined>(session.provider ?? undefined);
  return html`
    <h1>Connect your identity provider</h1>
    <fieldset class="providers">
      <legend>1. Which identity provider do you use?</legend>
      ${session.providers.map(
        (p) => html`
          <label>
            <input
              type="radio"
              name="provider"
              value=${p.id}
              checked=${provider === p.id}
              onChange=${() => {
                setProvider(p.id);
              }}
            />
            ${p.name}
          </label>
        `,
      )}
    </fieldset>
    <h2>2. Enter these in its provisioning settings</h2>
    <${CopyField} id="base-url" label="SCIM base URL (Tenant URL)" value=${session.scimBaseUrl} />
    <p>
      The token comes from the <strong>Tokens</strong> tab: generate one there and paste it as the secret or bearer
      token.
    </p>
    ${
      provider === undefined
        ? html`<p class="muted">Choose your identity provider to see its step-by-step guide.</p>`
        : html`<p class="notice">
              The guide below is the one the vendor follows too: its first section (the tenant and the token) is done
              already, and your part starts where you connect your identity provider.
            </p>
            <${Guide} provider=${provider} />`
    }
  `;
}

function Tokens(props: { session: Session }) {
  const { csrfToken } = props.session;
  const [tokens, setTokens] = useState<readonly Token[]>([]);
  const [shown, setShown] = useState<Token | undefined>(undefined);
  const [message, setMessage] = useState('');
  const load = useCallback(async () => {
    setTokens((await callJson<{ tokens: Token[] }>(api('tokens'))).tokens);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (work: () => Promise<Token | undefined>, done: string) => {
    try {
      const issued = await work();
      setShown(issued);
      setMessage(done);
      await load();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    }
  };
  const generate = () =>
    act(() => callJson<Token>(api('tokens'), { method: 'POST', body: {}, csrfToken }), 'A new token was generated.');
  const rotate = (id: string) =>
    act(
      () => callJson<Token>(api(`tokens/${id}/rotate`), { method: 'POST', csrfToken }),
      'The token was replaced: paste the new one into your identity provider now; the old one no longer works.',
    );
  const revoke = (id: string) => {
    if (!confirm('Revoke this token? Your identity provider can no longer provision with it.')) return;
    void act(async () => {
      await callJson(api(`tokens/${id}`), { method: 'DELETE', csrfToken });
      return undefined;
    }, 'The token was revoked.');
  };
  const active = tokens.filter((t) => t.revokedAt === null);
  return html`
    <h1>Tokens</h1>
    <p>
      Your identity provider sends a token with every request. Generate one, copy it into the provisioning settings, and
      keep it nowhere else: it is shown once.
    </p>
    <button type="button" class="primary" onClick=${generate}>Generate a token</button>
    <p role="status" class="muted">${message}</p>
    ${
      shown?.token === undefined
        ? null
        : html`<div class="notice ok">
            <${CopyField} id="new-token" label="Your new token (shown only now)" value=${shown.token} />
          </div>`
    }
    <h2>Active tokens</h2>
    ${
      active.length === 0
        ? html`<p class="muted">No active token yet.</p>`
        : html`<table class="list">
            <thead>
              <tr>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${active.map(
                (t) =>
                  html`<tr>
                    <td>${t.description}</td>
                    <td>${when(t.createdAt)}</td>
                    <td>
                      <button type="button" onClick=${() => rotate(t.id)} aria-label=${`Rotate token ${t.description}`}>
                        Rotate
                      </button>
                      ${' '}
                      <button
                        type="button"
                        class="danger"
                        onClick=${() => {
                          revoke(t.id);
                        }}
                        aria-label=${`Revoke token ${t.description}`}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}

function Connection(props: { overview: Overview }) {
  const { lastAuthenticated: ok, lastRefused: refused } = props.overview;
  const refusedIsNewer = refused !== null && (ok === null || refused.at > ok.at);
  if (ok === null && refused === null) {
    return html`<p class="notice" id="connection">
      No request from your identity provider has arrived yet. Save its provisioning settings and use its “Test
      connection” button.
    </p>`;
  }
  return html`<div id="connection">
    ${
      refusedIsNewer
        ? html`<p class="notice bad">
            The last request to your SCIM URL, ${when(refused.at)}, was refused because ${refused.reason}. Generate a
            token in the Tokens tab and paste it into your identity provider.
          </p>`
        : null
    }
    ${
      ok === null
        ? null
        : html`<p class="notice ok">
            The last request that authenticated came ${when(ok.at)} from ${ok.provider}: ${ok.method} ${ok.path},
            answered ${ok.status}.
          </p>`
    }
  </div>`;
}

function Status(props: { session: Session }) {
  const [overview, setOverview] = useState<Overview | undefined>(undefined);
  const [failures, setFailures] = useState<readonly Failure[]>([]);
  const load = useCallback(async () => {
    const [o, f] = await Promise.all([
      callJson<Overview>(api('overview')),
      callJson<{ failures: Failure[] }>(api('failures')),
    ]);
    setOverview(o);
    setFailures(f.failures);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  if (overview === undefined) return html`<p class="muted">Loading…</p>`;
  return html`
    <h1>Status</h1>
    <button type="button" onClick=${() => void load()}>Refresh</button>
    <h2>Connection</h2>
    <${Connection} overview=${overview} />
    <div class="cards">
      <div class="card">
        <div class="number" id="user-count">${overview.users}</div>
        <div>users provisioned</div>
      </div>
      <div class="card">
        <div class="number" id="group-count">${overview.groups}</div>
        <div>groups provisioned</div>
      </div>
      <div class="card">
        <div>Last provisioning activity</div>
        <div id="last-activity">
          ${overview.lastActivity === null ? 'None yet' : `${when(overview.lastActivity.at)}: ${overview.lastActivity.method} ${overview.lastActivity.path}`}
        </div>
      </div>
    </div>
    <h2>Recent problems</h2>
    ${
      failures.length === 0
        ? html`<p class="muted">No refused request. Every request your identity provider sent was accepted.</p>`
        : html`<ul class="failures">
            ${failures.map(
              (f) =>
                html`<li>
                  <strong>${withCode(f.summary)}</strong>
                  <p class="fix">${withCode(f.fix)}</p>
                  <p class="muted">${meta(f)}</p>
                </li>`,
            )}
          </ul>`
    }
    ${props.session.allowSettings ? html`<${Settings} session=${props.session} />` : null}
  `;
}

function Settings(props: { session: Session }) {
  const { session } = props;
  const [provider, setProvider] = useState(session.provider ?? '');
  const [deletePolicy, setDeletePolicy] = useState(session.deletePolicy);
  const [message, setMessage] = useState('');
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      await callJson(api('settings'), {
        method: 'PATCH',
        body: { provider: provider === '' ? null : provider, deletePolicy },
        csrfToken: session.csrfToken,
      });
      setMessage('Saved.');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  return html`
    <h2>Settings</h2>
    <form class="settings" onSubmit=${save}>
      <label for="setting-provider">Identity provider</label>
      <select
        id="setting-provider"
        value=${provider}
        onChange=${(e: Event) => {
          setProvider((e.target as HTMLSelectElement).value);
        }}
      >
        <option value="">Recognise it from each request</option>
        ${session.providers.filter((p) => p.id !== 'other').map((p) => html`<option value=${p.id}>${p.name}</option>`)}
      </select>
      <label for="setting-delete">When your identity provider deletes a user</label>
      <select
        id="setting-delete"
        value=${deletePolicy}
        onChange=${(e: Event) => {
          setDeletePolicy((e.target as HTMLSelectElement).value);
        }}
      >
        <option value="delete">Delete the user in the application</option>
        <option value="deactivate">Deactivate the user, keeping its data</option>
      </select>
      <p>
        <button type="submit" class="primary">Save settings</button> <span role="status" class="muted">${message}</span>
      </p>
    </form>
  `;
}

const TABS = [
  { id: 'setup', label: 'Set up' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'status', label: 'Status' },
] as const;
type Tab = (typeof TABS)[number]['id'];

function Portal(props: { session: Session }) {
  const { session } = props;
  const [tab, setTab] = useState<Tab>('setup');
  const onKey = (event: KeyboardEvent) => {
    // Arrow keys move between tabs (WAI-ARIA tabs pattern).
    const at = TABS.findIndex((t) => t.id === tab);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    const next = TABS[(at + step + TABS.length) % TABS.length];
    if (next === undefined) return;
    setTab(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return html`
    <header class="top">
      ${session.brand.logoUrl === null ? null : html`<img src=${session.brand.logoUrl} alt="" />`}
      <span class="brand">${session.brand.name}</span>
      <span class="tenant">Provisioning setup for <strong>${session.tenant.name}</strong></span>
    </header>
    <main>
      <nav class="tabs" role="tablist" aria-label="Setup steps" onKeyDown=${onKey}>
        ${TABS.map(
          (t) =>
            html`<button
              type="button"
              role="tab"
              id=${`tab-${t.id}`}
              aria-selected=${tab === t.id ? 'true' : 'false'}
              aria-controls=${`panel-${t.id}`}
              tabindex=${tab === t.id ? 0 : -1}
              onClick=${() => {
                setTab(t.id);
              }}
            >
              ${t.label}
            </button>`,
        )}
      </nav>
      <section role="tabpanel" id=${`panel-${tab}`} aria-labelledby=${`tab-${tab}`}>
        ${tab === 'setup' ? html`<${SetUp} session=${session} />` : tab === 'tokens' ? html`<${Tokens} session=${session} />` : html`<${Status} session=${session} />`}
      </section>
      <p class="muted">This setup page works until ${new Date(session.expiresAt).toLocaleString()}.</p>
    </main>
  `;
}

function App() {
  const [state, setState] = useState<{ session?: Session; refused?: string }>({});
  useEffect(() => {
    openSession()
      .then((session) => {
        document.title = `${session.brand.name}: provisioning setup`;
        setState({ session });
      })
      .catch((e: unknown) => {
        setState({ refused: e instanceof Error ? e.message : String(e) });
      });
  }, []);
  if (state.refused !== undefined) {
    return html`<main>
      <h1>Provisioning setup</h1>
      <p class="notice bad" role="alert">${state.refused}</p>
    </main>`;
  }
  if (state.session === undefined) return html`<p class="loading">Loading…</p>`;
  return html`<${Portal} session=${state.session} />`;
}

const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
