import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, uniqueTenantId } from '../helpers/admin.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../helpers/app.js';

let t: TestApp;
let tenant: string;
let token: string;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  const admin = adminClient(t.app, t.adminToken);
  tenant = uniqueTenantId('disc');
  await admin.createTenant(tenant);
  token = (await admin.issueToken(tenant)).token;
  base = `${PUBLIC_URL}/scim/v2/${tenant}`;
});
afterAll(() => t.close());

const scim = (path: string) =>
  t.app.inject({ url: `/scim/v2/${tenant}${path}`, headers: { authorization: `Bearer ${token}` } });

interface Attribute {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  mutability: string;
  returned: string;
  subAttributes?: Attribute[];
}
interface SchemaResource {
  id: string;
  schemas: string[];
  attributes: Attribute[];
  meta: { resourceType: string; location: string };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const AGENT = 'urn:ietf:params:scim:schemas:core:2.0:Agent';
const AGENT_LIFECYCLE = 'urn:scim-provisioning-service:schemas:extension:agent-lifecycle:1.0:Agent';
const AGENTIC_APPLICATION = 'urn:ietf:params:scim:schemas:core:2.0:AgenticApplication';

describe('discovery (RFC 7644 §4, RFC 7643 §5–7)', () => {
  it('RFC 7643 §5: ServiceProviderConfig advertises exactly what is implemented, as application/scim+json', async () => {
    const res = await scim('/ServiceProviderConfig');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/scim+json');
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: `${PUBLIC_URL}/docs`,
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
      // draft-abbey-scim-agent-extension-00 §4.1: a server with Agents MUST advertise them.
      agentExtension: { supported: true, agentsSupported: true, agenticApplicationsSupported: true },
      pagination: {
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
        defaultPageSize: 100,
        maxPageSize: 1000,
      },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true })],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    });
  });

  it('RFC 7644 §4: /Schemas lists User, Enterprise User, Group, Agent and its extension, and AgenticApplication', async () => {
    const res = await scim('/Schemas');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/scim+json');
    const body = res.json<{
      schemas: string[];
      totalResults: number;
      itemsPerPage: number;
      startIndex: number;
      Resources: SchemaResource[];
    }>();
    expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(body.Resources.map((r) => r.id).sort()).toEqual(
      [GROUP, USER, ENTERPRISE, AGENT, AGENT_LIFECYCLE, AGENTIC_APPLICATION].sort(),
    );
    expect(body).toMatchObject({ totalResults: 6, itemsPerPage: 6, startIndex: 1 });
    for (const r of body.Resources) {
      expect(r.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(r.meta).toEqual({ resourceType: 'Schema', location: `${base}/Schemas/${r.id}` });
    }
  });

  it('RFC 7643 §8.7.1: the User schema is complete, with its characteristics', async () => {
    const res = await scim(`/Schemas/${USER}`);
    expect(res.statusCode).toBe(200);
    const user = res.json<SchemaResource>();
    const names = user.attributes.map((a) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'userName',
        'name',
        'displayName',
        'nickName',
        'profileUrl',
        'title',
        'userType',
        'preferredLanguage',
        'locale',
        'timezone',
        'active',
        'password',
        'emails',
        'phoneNumbers',
        'ims',
        'photos',
        'addresses',
        'groups',
        'entitlements',
        'roles',
        'x509Certificates',
      ]),
    );
    expect(names).toHaveLength(21);
    const byName = (n: string) => user.attributes.find((a) => a.name === n);
    expect(byName('userName')).toMatchObject({
      type: 'string',
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
    expect(byName('password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(byName('groups')).toMatchObject({ multiValued: true, mutability: 'readOnly' });
    expect(
      byName('emails')
        ?.subAttributes?.map((s) => s.name)
        .sort(),
    ).toEqual(['display', 'primary', 'type', 'value']);
    expect(byName('name')?.subAttributes?.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'formatted',
        'familyName',
        'givenName',
        'middleName',
        'honorificPrefix',
        'honorificSuffix',
      ]),
    );
  });

  it('RFC 7643 §4.3: the Enterprise User extension has manager as {value, $ref, displayName}', async () => {
    const ext = (await scim(`/Schemas/${ENTERPRISE}`)).json<SchemaResource>();
    expect(ext.attributes.map((a) => a.name).sort()).toEqual([
      'costCenter',
      'department',
      'division',
      'employeeNumber',
      'manager',
      'organization',
    ]);
    const manager = ext.attributes.find((a) => a.name === 'manager');
    expect(manager?.subAttributes?.map((s) => s.name).sort()).toEqual(['$ref', 'displayName', 'value']);
    expect(manager?.subAttributes?.find((s) => s.name === 'displayName')?.mutability).toBe('readOnly');
  });

  it('RFC 7643 §4.2: the Group schema has displayName and members', async () => {
    const group = (await scim(`/Schemas/${GROUP}`)).json<SchemaResource>();
    expect(group.attributes.map((a) => a.name)).toEqual(['displayName', 'members']);
    const members = group.attributes.find((a) => a.name === 'members');
    expect(members?.subAttributes?.map((s) => s.name)).toEqual(expect.arrayContaining(['value', '$ref', 'type']));
  });

  it('answers 404 with a SCIM Error for an unknown schema or resource type', async () => {
    for (const path of ['/Schemas/urn:example:nope', '/ResourceTypes/Printer']) {
      const res = await scim(path);
      expect(res.statusCode).toBe(404);
      expect(res.json<{ status: string; schemas: string[] }>()).toMatchObject({
        status: '404',
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      });
    }
  });

  it('RFC 7643 §6: /ResourceTypes describes User (with the enterprise extension), Group, Agent and AgenticApplication', async () => {
    const res = await scim('/ResourceTypes');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ totalResults: number; Resources: Record<string, unknown>[] }>();
    expect(body.totalResults).toBe(4);
    expect(body.Resources).toEqual(
      expect.arrayContaining([
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
          id: 'User',
          name: 'User',
          endpoint: '/Users',
          description: 'User Account',
          schema: USER,
          schemaExtensions: [{ schema: ENTERPRISE, required: false }],
          meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
        },
        expect.objectContaining({ id: 'Group', endpoint: '/Groups', schema: GROUP, schemaExtensions: [] }),
        // draft-abbey-scim-agent-extension-00 §5.1.1 and §5.2.1.
        expect.objectContaining({
          id: 'Agent',
          endpoint: '/Agents',
          description: 'Agent identities',
          schema: AGENT,
          schemaExtensions: [{ schema: AGENT_LIFECYCLE, required: false }],
        }),
        expect.objectContaining({
          id: 'AgenticApplication',
          endpoint: '/AgenticApplications',
          schema: AGENTIC_APPLICATION,
          schemaExtensions: [],
        }),
      ]),
    );
    const one = await scim('/ResourceTypes/Group');
    expect(one.statusCode).toBe(200);
    expect(one.json<{ id: string }>().id).toBe('Group');
  });

  it('RFC 7644 §4: a filter on a discovery endpoint is refused with 403', async () => {
    for (const path of ['/Schemas', '/ResourceTypes', '/ServiceProviderConfig']) {
      const res = await scim(`${path}?filter=${encodeURIComponent('id eq "x"')}`);
      expect(res.statusCode, path).toBe(403);
      expect(res.json<{ status: string }>().status).toBe('403');
    }
  });

  it('answers unknown paths under a tenant with a SCIM 404 once authenticated', async () => {
    const res = await scim('/Printers');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/scim+json');
    expect(res.json<{ schemas: string[]; status: string; detail: string }>()).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: expect.stringContaining('/Printers') as string,
    });
  });
});
