import type { ModuleDef } from './hcl-model';

export interface Reference {
  kind: 'var' | 'local' | 'module' | 'resource' | 'each' | 'count';
  name: string;
  attribute?: string;
  where: string;
}

/** Strings inside ${...} of every value, with the top-level block they were found in. */
function expressions(def: ModuleDef): Array<{ text: string; where: string; meta: Record<string, unknown> }> {
  const found: Array<{ text: string; where: string; meta: Record<string, unknown> }> = [];
  const visit = (value: unknown, where: string, meta: Record<string, unknown>): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/\$\{/g)) found.push({ text: value.slice(match.index), where, meta });
    } else if (Array.isArray(value)) value.forEach((item) => visit(item, where, meta));
    else if (value && typeof value === 'object') Object.values(value).forEach((item) => visit(item, where, meta));
  };
  for (const resource of def.resources) {
    visit(resource.raw, `${resource.mode === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`, resource.raw);
  }
  for (const [name, call] of Object.entries(def.modules)) visit(call, `module.${name}`, call);
  for (const [name, output] of Object.entries(def.outputs)) visit(output, `output.${name}`, {});
  for (const [name, variable] of Object.entries(def.variables)) visit(variable, `variable.${name}`, {});
  for (const [name, value] of Object.entries(def.locals)) visit(value, `local.${name}`, {});
  for (const [name, providers] of Object.entries(def.providers)) visit(providers, `provider.${name}`, {});
  return found;
}

/** Every var., local., module., each., count. and resource reference the module's expressions make. */
export function referencesOf(def: ModuleDef): Array<Reference & { meta: Record<string, unknown> }> {
  const references: Array<Reference & { meta: Record<string, unknown> }> = [];
  for (const { text, where, meta } of expressions(def)) {
    const add = (reference: Reference): void => {
      references.push({ ...reference, meta });
    };
    for (const m of text.matchAll(/(?<![\w.])var\.([A-Za-z_][\w-]*)/g)) add({ kind: 'var', name: m[1]!, where });
    for (const m of text.matchAll(/(?<![\w.])local\.([A-Za-z_]\w*)/g)) add({ kind: 'local', name: m[1]!, where });
    for (const m of text.matchAll(/(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_]\w*)/g)) {
      add({ kind: 'module', name: m[1]!, attribute: m[2]!, where });
    }
    for (const m of text.matchAll(
      /(?<![\w."])(data\.)?((?:aws|azuread|random|time|archive)_[a-z0-9_]+)\.([a-z0-9_-]+)/g,
    )) {
      add({ kind: 'resource', name: `${m[1] ?? ''}${m[2]}.${m[3]}`, where });
    }
    for (const m of text.matchAll(/(?<![\w.])each\.(key|value)/g)) add({ kind: 'each', name: m[1]!, where });
    for (const m of text.matchAll(/(?<![\w.])count\.index/g)) add({ kind: 'count', name: m[0], where });
  }
  return references;
}
