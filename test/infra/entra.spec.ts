import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/app-config';
import { infraModel, type Model, type Resource } from './support/hcl-model';
import { block, blocks, strings, textOf } from './support/policy';

const ENTRA_ROOTS = ['dev', 'staging', 'prod'];

/** The permission maps the service applies when AUTH_ROLE_MAP and AUTH_SCOPE_MAP are not set. */
const defaults = parseConfig({ APP_PROFILE: 'local' }).entra;

describe('the Entra app registration (azuread v3)', () => {
  let model: Model;
  const api = (root: string): Resource =>
    model.inRoot(root, 'azuread_application').find((app) => app.address.endsWith('azuread_application.api'))!;

  beforeAll(async () => {
    model = await infraModel();
  });

  it('publishes exactly the app roles the service maps to permissions, for users and applications', () => {
    for (const root of ENTRA_ROOTS) {
      const roles = blocks(api(root).body.app_role);
      expect(roles.map((role) => textOf(role.value)).sort()).toEqual(Object.keys(defaults.roleMap).sort());
      for (const role of roles) {
        expect(strings(role.allowed_member_types).sort()).toEqual(['Application', 'User']);
        expect(role.enabled).toBe(true);
        expect(textOf(role.id)).toMatch(/random_uuid\.app_role/);
      }
    }
  });

  it('exposes exactly the delegated scopes the service maps, and issues v2 access tokens', () => {
    for (const root of ENTRA_ROOTS) {
      const apiBlock = block(api(root).body.api)!;
      expect(apiBlock.requested_access_token_version).toBe(2);
      const scopes = blocks(apiBlock.oauth2_permission_scope);
      expect(scopes.map((scope) => textOf(scope.value)).sort()).toEqual(Object.keys(defaults.scopeMap).sort());
      for (const scope of scopes) expect(textOf(scope.type)).toBe('User');
    }
  });

  it('identifies the API as api://<client id> and requires an assignment before issuing tokens', () => {
    for (const root of ENTRA_ROOTS) {
      const uri = model.inRoot(root, 'azuread_application_identifier_uri')[0]!;
      expect(textOf(uri.body.identifier_uri)).toBe('api://${azuread_application.api.client_id}');
      const principal = model.inRoot(root, 'azuread_service_principal').find((sp) => sp.address.endsWith('.api'))!;
      expect(principal.body.app_role_assignment_required).toBe(true);
      expect(textOf(principal.body.client_id)).toBe('azuread_application.api.client_id');
    }
  });

  it('gives the deployment smoke test Documents.Read and Documents.Write, with a rotating secret kept in Secrets Manager', () => {
    for (const root of ENTRA_ROOTS) {
      const assignments = model
        .inRoot(root, 'azuread_app_role_assignment')
        .filter((assignment) => assignment.address.includes('azuread_app_role_assignment.smoke_test'));
      expect(assignments.map((a) => /\["([^"]+)"\]$/.exec(a.address)?.[1]).sort()).toEqual([
        'Documents.Read',
        'Documents.Write',
      ]);
      const [password] = model.inRoot(root, 'azuread_application_password');
      expect(textOf(password?.body.rotate_when_changed)).toContain('time_rotating.smoke_test');
      expect(model.inRoot(root, 'time_rotating')[0]?.body.rotation_days).toBe(90);
      const secret = model.inRoot(root, 'aws_secretsmanager_secret').find((s) => s.address.includes('deploy_hook'))!;
      expect(textOf(secret.body.name)).toBe(`navius/${root}/smoke-client`);
      const hook = model.instances.find((i) => i.root === root && i.callName === 'deploy_hook')!;
      expect(textOf(hook.scope.vars.smoke_client)).toContain('module.entra.smoke_test_client');
    }
  });

  it('assigns the configured groups to app roles only, one assignment a role and principal', () => {
    const entra = model.instances.find((i) => i.root === 'prod' && i.callName === 'entra')!;
    const assignments = entra.scope.vars.role_assignments as Record<string, string[]>;
    expect(Object.keys(assignments).sort()).toEqual(Object.keys(defaults.roleMap).sort());
    const forEach = textOf(entra.def.resources.find((r) => r.name === 'principals')?.raw.for_each as never);
    expect(forEach).toBe('${local.assignments}');
    expect(JSON.stringify(entra.def.locals.assignments)).toContain('${role}/${principal}');
  });
});
