import { resolve as resolvePath } from 'node:path';
import { entries, moduleScope, resolve, type Scope } from './hcl-eval';
import { loadModule, readTfvars, roots, type ModuleDef, type Raw } from './hcl-files';
import { Expr, type Obj, type Value } from './hcl-values';

export * from './hcl-files';

/** A module as instantiated by a root configuration, with its variables bound. */
export interface Instance {
  root: string;
  path: string;
  callName: string | undefined;
  providerAlias: string | undefined;
  def: ModuleDef;
  scope: Scope;
  parent: Instance | undefined;
}

export interface Resource {
  instance: Instance;
  mode: 'resource' | 'data';
  type: string;
  name: string;
  address: string;
  body: Obj;
  raw: Raw;
}

export class Model {
  readonly instances: Instance[] = [];
  readonly resources: Resource[] = [];

  ofType(type: string, mode: 'resource' | 'data' = 'resource'): Resource[] {
    return this.resources.filter((r) => r.type === type && r.mode === mode);
  }

  /** Resources of the same module instance as `of`. */
  siblings(of: Resource, type: string, mode: 'resource' | 'data' = 'resource'): Resource[] {
    return this.resources.filter((r) => r.instance === of.instance && r.type === type && r.mode === mode);
  }

  inRoot(root: string, type: string, mode: 'resource' | 'data' = 'resource'): Resource[] {
    return this.resources.filter((r) => r.instance.root === root && r.type === type && r.mode === mode);
  }
}

/** Builds the evaluated model of a root (or of a snippet treated as a root). */
export async function buildModel(
  specs: Array<{ name: string; def: ModuleDef; tfvars: Raw }>,
  into: Model = new Model(),
): Promise<Model> {
  for (const spec of specs) {
    const vars: Obj = {};
    for (const [name, variable] of Object.entries(spec.def.variables)) {
      vars[name] = name in spec.tfvars ? resolve(spec.tfvars[name], moduleScope({}, {})) : defaultOf(name, variable);
    }
    const rootInstance = await instantiate(into, spec.name, '', undefined, undefined, spec.def, vars, undefined);
    resolveResources(into, rootInstance);
  }
  return into;
}

export async function buildInfraModel(): Promise<Model> {
  const specs = [];
  for (const root of roots()) {
    specs.push({ name: root.name, def: await loadModule(root.dir), tfvars: await readTfvars(root.tfvarsFile) });
  }
  return buildModel(specs);
}

function defaultOf(name: string, variable: Raw): Value {
  return 'default' in variable ? resolve(variable.default, moduleScope({}, {})) : new Expr(`<unset var.${name}>`);
}

interface Node extends Instance {
  children: Array<{ call: string; index: string | number | undefined; node: Node }>;
}

/** Creates the instance tree first; module arguments are evaluated lazily, so modules may feed each other. */
async function instantiate(
  model: Model,
  root: string,
  path: string,
  callName: string | undefined,
  providerAlias: string | undefined,
  def: ModuleDef,
  vars: Obj,
  parent: Instance | undefined,
): Promise<Node> {
  const node: Node = {
    root,
    path,
    callName,
    providerAlias,
    def,
    scope: moduleScope(vars, def.locals),
    parent,
    children: [],
  };
  node.scope.moduleOutput = (call, index, output) => moduleOutput(node, call, index, output);
  model.instances.push(node);

  for (const [name, call] of Object.entries(def.modules)) {
    const source = call.source;
    if (typeof source !== 'string' || !source.startsWith('.')) continue;
    const child = await loadModule(resolvePath(def.dir, source));
    const alias = providerAliasOf(call) ?? providerAlias;
    for (const expansion of expand(call, node.scope)) {
      const childVars = lazyVariables(child, call, expansion.scope);
      const index = expansion.scope.count ?? (expansion.scope.each?.key as string | undefined);
      const childNode = await instantiate(
        model,
        root,
        `${path}module.${name}${expansion.suffix}.`,
        name,
        alias,
        child,
        childVars,
        node,
      );
      node.children.push({
        call: name,
        index: typeof index === 'number' || typeof index === 'string' ? index : undefined,
        node: childNode,
      });
    }
  }
  return node;
}

/** Variables of a module call, each evaluated on first read; a variable that needs itself reads as unknown. */
function lazyVariables(child: ModuleDef, call: Raw, scope: Scope): Obj {
  const vars: Obj = {};
  for (const [name, declaration] of Object.entries(child.variables)) {
    let value: Value | undefined;
    let evaluating = false;
    Object.defineProperty(vars, name, {
      enumerable: true,
      get(): Value {
        if (value !== undefined) return value;
        if (evaluating) return new Expr(`var.${name}`);
        evaluating = true;
        value = name in call ? resolve(call[name], scope) : defaultOf(name, declaration);
        evaluating = false;
        return value;
      },
    });
  }
  return vars;
}

/** A child module's output when it is fully known; otherwise undefined (the reference stays an Expr). */
function moduleOutput(node: Node, call: string, index: string | number | undefined, output: string): Value | undefined {
  const child = node.children.find((c) => c.call === call && (index === undefined || c.index === index))?.node;
  const declaration = child?.def.outputs[output];
  if (!child || !declaration) return undefined;
  const value = resolve(declaration.value, child.scope);
  return containsExpr(value) ? undefined : value;
}

function containsExpr(value: Value): boolean {
  if (value instanceof Expr) return true;
  if (Array.isArray(value)) return value.some(containsExpr);
  if (value && typeof value === 'object') return Object.values(value).some(containsExpr);
  return false;
}

function resolveResources(model: Model, node: Node): void {
  for (const resource of node.def.resources) {
    for (const expansion of expand(resource.raw, node.scope)) {
      const body = resolve(stripMeta(resource.raw), expansion.scope) as Obj;
      const prefix = resource.mode === 'data' ? 'data.' : '';
      model.resources.push({
        instance: node,
        mode: resource.mode,
        type: resource.type,
        name: resource.name,
        address: `${node.root}:${node.path}${prefix}${resource.type}.${resource.name}${expansion.suffix}`,
        body,
        raw: resource.raw,
      });
    }
  }
  for (const child of node.children) resolveResources(model, child.node);
}

const META = ['count', 'for_each', 'depends_on', 'provider'];

function stripMeta(raw: Raw): Raw {
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !META.includes(key)));
}

function providerAliasOf(call: Raw): string | undefined {
  const providers = (Array.isArray(call.providers) ? call.providers[0] : call.providers) as Raw | undefined;
  const aws = providers?.aws;
  return typeof aws === 'string' ? /aws\.(\w+)/.exec(aws)?.[1] : undefined;
}

/** The instances count or for_each create; a count or for_each the evaluator cannot reduce gives one instance. */
function expand(raw: Raw, scope: Scope): Array<{ suffix: string; scope: Scope }> {
  if ('count' in raw) {
    const count = resolve(raw.count, scope);
    if (typeof count === 'number') {
      return Array.from({ length: count }, (_, index) => ({ suffix: `[${index}]`, scope: { ...scope, count: index } }));
    }
    return [{ suffix: '[?]', scope: { ...scope, count: new Expr('count.index') } }];
  }
  if ('for_each' in raw) {
    return entries(resolve(raw.for_each, scope)).map((entry) => {
      const key =
        entry.key instanceof Expr ? '?' : Array.isArray(resolve(raw.for_each, scope)) ? entry.value : entry.key;
      return {
        suffix: `[${JSON.stringify(key instanceof Expr ? '?' : key)}]`,
        scope: { ...scope, each: eachOf(raw, scope, entry) },
      };
    });
  }
  return [{ suffix: '', scope }];
}

/** for_each over a set (toset of a list) binds each.key and each.value to the element. */
function eachOf(raw: Raw, scope: Scope, entry: { key: Value; value: Value }): { key: Value; value: Value } {
  return Array.isArray(resolve(raw.for_each, scope)) ? { key: entry.value, value: entry.value } : entry;
}

let infra: Promise<Model> | undefined;

/** The evaluated model of bootstrap and every environment, built once per test file. */
export function infraModel(): Promise<Model> {
  infra ??= buildInfraModel();
  return infra;
}
