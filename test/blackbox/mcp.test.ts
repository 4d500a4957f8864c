import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODES, startBlackBox, USER_SCHEMA, type BlackBox, type Tenant } from './harness.js';

/** The MCP endpoint as an agent host meets it (issue 15): over TCP, in both database modes. */
describe.each(MODES)('MCP over streamable HTTP from the outside (%s database)', (mode) => {
  let box: BlackBox;
  let tenant: Tenant;

  beforeAll(async () => {
    box = await startBlackBox(mode);
    tenant = await box.tenant();
  });
  afterAll(async () => {
    await box.stop();
  });

  const connect = async (tenantId: string, token: string) => {
    const client = new Client({ name: 'blackbox-host', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${box.url}/mcp/${tenantId}`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    return client;
  };

  it('provisions and finds a user with the tenant’s token; a read-only token gets the read tools only', async () => {
    const client = await connect(tenant.id, tenant.token);
    try {
      const created = (await client.callTool({
        name: 'create_user',
        arguments: { userName: 'agent@mcp.test' },
      })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      const found = (await client.callTool({
        name: 'search_users',
        arguments: { filter: 'userName eq "agent@mcp.test"' },
      })) as CallToolResult;
      expect(found.structuredContent).toMatchObject({ totalResults: 1 });
      const read = await box.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName eq "agent@mcp.test"')}`);
      expect((read.json as { totalResults: number }).totalResults).toBe(1);
    } finally {
      await client.close();
    }
    const reader = await connect(tenant.id, tenant.readToken);
    try {
      const names = (await reader.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('search_users');
      expect(names).not.toContain('create_user');
    } finally {
      await reader.close();
    }
  });

  it('creates an agent owned by a user and reads it back, over MCP and over SCIM', async () => {
    const owner = await box.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'owner@mcp.test' });
    expect(owner.status).toBe(201);
    const ownerId = (owner.json as { id: string }).id;
    const client = await connect(tenant.id, tenant.token);
    try {
      const created = (await client.callTool({
        name: 'create_agent',
        arguments: {
          name: 'blackbox-agent',
          agentType: 'Assistant',
          owners: [ownerId],
          expiresAt: '2099-01-31T00:00:00Z',
        },
      })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      const id = (created.structuredContent as { id: string }).id;
      const read = (await client.callTool({ name: 'get_agent', arguments: { id } })) as CallToolResult;
      expect(read.structuredContent).toMatchObject({
        id,
        name: 'blackbox-agent',
        owners: [expect.objectContaining({ value: ownerId, type: 'User' })],
      });
      const found = (await client.callTool({
        name: 'search_agents',
        arguments: { filter: 'name eq "BLACKBOX-agent"' },
      })) as CallToolResult;
      expect(found.structuredContent).toMatchObject({ totalResults: 1, agents: [{ id }] });
      const served = await box.scim(tenant, 'GET', `/Agents/${id}`);
      expect(served.status).toBe(200);
      expect(served.json).toMatchObject({ name: 'blackbox-agent', agentType: 'Assistant' });
    } finally {
      await client.close();
    }
  });

  it('refuses another tenant’s token, and a GET for a stream it does not keep', async () => {
    const other = await box.tenant();
    await expect(connect(other.id, tenant.token)).rejects.toThrow(/401/);
    const stream = await fetch(`${box.url}/mcp/${tenant.id}`, {
      headers: { authorization: `Bearer ${tenant.token}`, accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(405);
    expect(stream.headers.get('allow')).toBe('POST');
  });
});
