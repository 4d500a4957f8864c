import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { scimTenant, type ScimClient } from '../helpers/scim.js';

// `npm run --silent mcp -- --tenant <id>` as a local agent host starts it (docs/agents.md): the
// built dist/mcp-stdio.js on the service's own configuration, spoken to over stdio.
let t: TestApp;
let scim: ScimClient;

beforeAll(async () => {
  t = await createTestApp();
  scim = await scimTenant(t, 'mcp-stdio');
});
afterAll(() => t.close());

async function host(args: string[]): Promise<Client> {
  const client = new Client({ name: 'stdio-host', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: 'npm',
      args: ['run', '--silent', 'mcp', '--', ...args],
      env: { ...(process.env as Record<string, string>), ...t.env, LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    }),
  );
  return client;
}

describe('the directory as MCP tools over stdio (issue 15)', () => {
  it('provisions a user through the same use cases, and names the local host in the request log', async () => {
    const client = await host(['--tenant', scim.tenantId]);
    try {
      expect((await client.listTools()).tools).toHaveLength(17);
      const created = (await client.callTool({
        name: 'create_user',
        arguments: { userName: 'stdio@mcp.test', displayName: 'From stdio' },
      })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      const id = (created.structuredContent as { id: string }).id;
      expect((await scim.call('GET', `/Users/${id}`)).json()).toMatchObject({ userName: 'stdio@mcp.test' });
      const changes = (await client.callTool({ name: 'list_changes', arguments: {} })) as CallToolResult;
      expect((changes.structuredContent as { events: { type: string }[] }).events.map((e) => e.type)).toEqual([
        'user.created',
      ]);
    } finally {
      await client.close();
    }
    // The process flushed its request log as it stopped.
    await expect
      .poll(
        async () => {
          const log = await t.app.inject({
            method: 'GET',
            url: `/admin/v1/tenants/${scim.tenantId}/requests`,
            headers: { authorization: `Bearer ${t.adminToken}` },
          });
          return log
            .json<{ requests: { method: string; caller: string | null }[] }>()
            .requests.filter((r) => r.method === 'MCP');
        },
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining([expect.objectContaining({ caller: 'stdio (local)' })]));
  });

  it('gives --read-only the read tools only, and refuses an unknown tenant before serving', async () => {
    const readOnly = await host(['--tenant', scim.tenantId, '--read-only']);
    try {
      const names = (await readOnly.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('search_agents');
      expect(names).not.toContain('create_user');
      expect(names).not.toContain('create_agent');
    } finally {
      await readOnly.close();
    }
    await expect(host(['--tenant', 'no-such-tenant'])).rejects.toThrow();
  });
});
