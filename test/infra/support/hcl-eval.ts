import { Expr, isExpr, isObj, type Obj, type Value } from './hcl-values';

/**
 * A small static evaluator for the HCL JSON that @cdktn/hcl2json produces: it substitutes variables, locals,
 * each/count and dynamic-block iterators, and the few functions and conditionals the modules use for counts and
 * type conversions. Anything else (resource attributes, data sources, other functions) stays an Expr.
 */
export interface Scope {
  vars: Obj;
  locals: Record<string, unknown>;
  localsCache: Map<string, Value>;
  localsInProgress: Set<string>;
  each?: { key: Value; value: Value };
  count?: Value;
  iterators: Record<string, { key: Value; value: Value }>;
  /** Resolves module.<call>[<index>].<output> of a child module instance; undefined when unknown. */
  moduleOutput?: (call: string, index: string | number | undefined, output: string) => Value | undefined;
}

export function moduleScope(vars: Obj, locals: Record<string, unknown>): Scope {
  return { vars, locals, localsCache: new Map(), localsInProgress: new Set(), iterators: {} };
}

export function resolve(raw: unknown, scope: Scope): Value {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') return resolveString(raw, scope);
  if (Array.isArray(raw)) return raw.map((item) => resolve(item, scope));
  const out: Obj = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'dynamic') continue;
    out[key] = resolve(value, scope);
  }
  const dynamic = (raw as Record<string, unknown>).dynamic;
  if (dynamic && typeof dynamic === 'object') expandDynamic(dynamic as Record<string, unknown>, out, scope);
  return out;
}

function expandDynamic(dynamic: Record<string, unknown>, out: Obj, scope: Scope): void {
  for (const [name, specs] of Object.entries(dynamic)) {
    for (const spec of (Array.isArray(specs) ? specs : [specs]) as Array<Record<string, unknown>>) {
      const iterator = typeof spec.iterator === 'string' ? spec.iterator : name;
      const content = (Array.isArray(spec.content) ? spec.content[0] : spec.content) as unknown;
      const existing = Array.isArray(out[name]) ? (out[name] as Value[]) : [];
      for (const entry of entries(resolve(spec.for_each, scope))) {
        const inner: Scope = { ...scope, iterators: { ...scope.iterators, [iterator]: entry } };
        existing.push(resolve(content, inner));
      }
      out[name] = existing;
    }
  }
}

/** The (key, value) pairs a for_each iterates; an unknown collection iterates once with unknown values. */
export function entries(collection: Value): Array<{ key: Value; value: Value }> {
  if (Array.isArray(collection)) return collection.map((value, index) => ({ key: index, value }));
  if (isObj(collection)) return Object.entries(collection).map(([key, value]) => ({ key, value }));
  if (collection === null) return [];
  const unknown = new Expr(`<each of ${isExpr(collection) ? collection.text : String(collection)}>`);
  return [{ key: unknown, value: unknown }];
}

export function resolveString(text: string, scope: Scope): Value {
  if (!text.includes('${') && !text.includes('%{')) return text;
  if (text.includes('%{')) return new Expr(text);
  const parts = splitTemplate(text);
  if (parts.length === 1 && parts[0]!.kind === 'expr') {
    const value = evaluate(parts[0]!.text, scope);
    return isExpr(value) && !TRAVERSAL.test(parts[0]!.text.trim()) ? new Expr(text) : value;
  }
  let result = '';
  let known = true;
  for (const part of parts) {
    if (part.kind === 'text') {
      result += part.text;
      continue;
    }
    const value = evaluate(part.text, scope);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') result += String(value);
    else {
      // Keep what is known, so "${module.x.arn}/tenants/*" still shows its literal tail.
      known = false;
      result += isExpr(value) && TRAVERSAL.test(value.text.trim()) ? `\${${value.text}}` : `\${${part.text}}`;
    }
  }
  return known ? result : new Expr(result);
}

function splitTemplate(text: string): Array<{ kind: 'text' | 'expr'; text: string }> {
  const parts: Array<{ kind: 'text' | 'expr'; text: string }> = [];
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf('${', index);
    if (start === -1) {
      parts.push({ kind: 'text', text: text.slice(index) });
      break;
    }
    if (start > index) parts.push({ kind: 'text', text: text.slice(index, start) });
    const end = matchingClose(text, start + 1);
    parts.push({ kind: 'expr', text: text.slice(start + 2, end) });
    index = end + 1;
  }
  return parts;
}

/** Index of the bracket closing the one at `open`, skipping quoted strings. */
function matchingClose(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === '{' || char === '[' || char === '(') depth += 1;
    else if (char === '}' || char === ']' || char === ')') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return text.length - 1;
}

/** Splits at a separator that is outside brackets and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let last = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === '"') quoted = false;
      continue;
    }
    if (char === '"') quoted = true;
    else if ('{[('.includes(char!)) depth += 1;
    else if ('}])'.includes(char!)) depth -= 1;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(last, i));
      last = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(last));
  return parts.map((part) => part.trim());
}

const TRAVERSAL = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\]|\["[^"]*"\])*$/;

export function evaluate(source: string, scope: Scope): Value {
  const text = source.trim();
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^"([^"\\]|\\.)*"$/.test(text)) return resolveString(JSON.parse(text) as string, scope);
  if (TRAVERSAL.test(text)) return traverse(text, scope);

  const conditional = splitTopLevel(text, ' ? ');
  if (conditional.length === 2) {
    const branches = splitTopLevel(conditional[1]!, ' : ');
    const test = condition(conditional[0]!, scope);
    if (branches.length === 2 && typeof test === 'boolean') return evaluate(test ? branches[0]! : branches[1]!, scope);
    return new Expr(text);
  }
  if (text.startsWith('[') && matchingClose(text, 0) === text.length - 1) {
    return evaluateList(text.slice(1, -1), scope);
  }
  if (text.startsWith('{') && matchingClose(text, 0) === text.length - 1) {
    // An object literal: `{ name = "X", value = var.y }`, entries split by commas or new lines.
    const entries = splitTopLevel(text.slice(1, -1), ',')
      .flatMap((part) => splitTopLevel(part, '\n'))
      .filter((entry) => entry !== '');
    const object: Obj = {};
    for (const entry of entries) {
      const [key, value] = splitTopLevel(entry, ' = ');
      if (!key || value === undefined) return new Expr(text);
      object[key.replace(/^"|"$/g, '')] = evaluate(value, scope);
    }
    return object;
  }
  const joined = /^concat\((.*)\)$/s.exec(text);
  if (joined && matchingClose(text, 'concat'.length) === text.length - 1) {
    const lists = evaluateList(joined[1]!, scope);
    return lists.every(Array.isArray) ? lists.flat() : new Expr(text);
  }
  const call = /^(toset|tolist|tostring|tonumber|distinct)\((.*)\)$/s.exec(text);
  if (call && matchingClose(text, call[1]!.length) === text.length - 1) {
    const argument = evaluate(call[2]!, scope);
    if (isExpr(argument)) return new Expr(text);
    if (call[1] === 'tostring' && argument !== null && typeof argument !== 'object') return String(argument);
    if (call[1] === 'tonumber' && typeof argument !== 'object') return Number(argument);
    if ((call[1] === 'toset' || call[1] === 'distinct') && Array.isArray(argument)) {
      return argument.filter((item, index) => argument.findIndex((other) => other === item) === index);
    }
    return argument;
  }
  return new Expr(text);
}

/** The comma-separated items of a list literal or an argument list, each evaluated. */
function evaluateList(inner: string, scope: Scope): Value[] {
  return splitTopLevel(inner.trim(), ',')
    .filter((item) => item !== '')
    .map((item) => evaluate(item, scope));
}

function condition(source: string, scope: Scope): Value {
  const text = source.trim();
  if (text.startsWith('!')) {
    const inner = condition(text.slice(1), scope);
    return typeof inner === 'boolean' ? !inner : new Expr(text);
  }
  for (const operator of ['==', '!=', '>=', '<=', '>', '<']) {
    const sides = splitTopLevel(text, ` ${operator} `);
    if (sides.length !== 2) continue;
    const left = operand(sides[0]!, scope);
    const right = operand(sides[1]!, scope);
    // A reference to a resource attribute or a module output is taken to be set (not null).
    if ((operator === '==' || operator === '!=') && (left === null || right === null)) {
      const other = left === null ? right : left;
      if (isExpr(other) && TRAVERSAL.test(other.text.trim())) return operator === '!=';
    }
    if (isExpr(left) || isExpr(right)) return new Expr(text);
    if (operator === '==') return JSON.stringify(left) === JSON.stringify(right);
    if (operator === '!=') return JSON.stringify(left) !== JSON.stringify(right);
    if (typeof left !== 'number' || typeof right !== 'number') return new Expr(text);
    if (operator === '>=') return left >= right;
    if (operator === '<=') return left <= right;
    return operator === '>' ? left > right : left < right;
  }
  const value = evaluate(text, scope);
  return typeof value === 'boolean' ? value : new Expr(text);
}

function operand(source: string, scope: Scope): Value {
  const length = /^length\((.*)\)$/s.exec(source.trim());
  if (length) {
    const value = evaluate(length[1]!, scope);
    if (Array.isArray(value)) return value.length;
    if (isObj(value)) return Object.keys(value).length;
    return new Expr(source);
  }
  return evaluate(source, scope);
}

function traverse(text: string, scope: Scope): Value {
  const segments = [...text.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/g)].map(
    (match) => match[1] ?? (match[2] !== undefined ? Number(match[2]) : match[3]!),
  );
  const [root, first, ...rest] = segments;
  let value: Value;
  if (root === 'var') value = typeof first === 'string' && first in scope.vars ? scope.vars[first]! : new Expr(text);
  else if (root === 'local') value = typeof first === 'string' ? local(first, scope) : new Expr(text);
  else if (root === 'each' && scope.each) value = first === 'key' ? scope.each.key : scope.each.value;
  else if (root === 'count' && first === 'index' && scope.count !== undefined) value = scope.count;
  else if (typeof root === 'string' && scope.iterators[root]) {
    value = first === 'key' ? scope.iterators[root].key : scope.iterators[root].value;
  } else if (root === 'module' && typeof first === 'string' && scope.moduleOutput) {
    const index = typeof rest[0] === 'number' ? rest.shift() : undefined;
    const output = rest.shift();
    const known = typeof output === 'string' ? scope.moduleOutput(first, index, output) : undefined;
    if (known === undefined) return new Expr(text);
    value = known;
  } else return new Expr(text);
  for (const segment of rest) {
    if (isExpr(value)) return new Expr(`${value.text}.${rest.join('.')}`);
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment] ?? new Expr(text);
    // An attribute set to null is null (not unknown): `x == null` conditions must see it.
    else if (isObj(value) && typeof segment === 'string') value = segment in value ? value[segment]! : new Expr(text);
    else return new Expr(text);
  }
  return value;
}

function local(name: string, scope: Scope): Value {
  const cached = scope.localsCache.get(name);
  if (cached !== undefined) return cached;
  if (!(name in scope.locals) || scope.localsInProgress.has(name)) return new Expr(`local.${name}`);
  scope.localsInProgress.add(name);
  const moduleLevel: Scope = { ...scope, each: undefined, count: undefined, iterators: {} };
  const value = resolve(scope.locals[name], moduleLevel);
  scope.localsInProgress.delete(name);
  scope.localsCache.set(name, value);
  return value;
}
