/** An expression the static evaluator could not reduce (a resource attribute, a function call, ...). */
export class Expr {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

export type Value = string | number | boolean | null | Expr | Value[] | { [key: string]: Value };
export type Obj = { [key: string]: Value };

export const isObj = (value: Value | undefined): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Expr);

export const isExpr = (value: Value | undefined): value is Expr => value instanceof Expr;

/** A block argument as HCL JSON gives it: a list of block bodies (possibly empty). */
export function blocks(value: Value | undefined): Obj[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isObj);
}

export function block(value: Value | undefined): Obj | undefined {
  return blocks(value)[0];
}

/** Literal strings of a list argument; expressions are returned as their text. */
export function strings(value: Value | undefined): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) =>
    typeof item === 'string' ? item : item instanceof Expr ? item.text : JSON.stringify(item),
  );
}

/** Every reference to a resource, data source or module output written inside a value. */
export function referencesIn(value: Value | undefined): string[] {
  const found: string[] = [];
  const visit = (v: Value | undefined): void => {
    if (v === undefined || v === null) return;
    if (typeof v === 'string' || v instanceof Expr) {
      const text = typeof v === 'string' ? v : v.text;
      for (const match of text.matchAll(
        /\b(data\.)?((?:aws|azuread|random|time|archive)_[a-z0-9_]+)\.([a-z0-9_-]+)/g,
      )) {
        found.push(`${match[1] ?? ''}${match[2]}.${match[3]}`);
      }
      for (const match of text.matchAll(/\bmodule\.([a-z0-9_-]+)\.([a-z0-9_]+)/g))
        found.push(`module.${match[1]}.${match[2]}`);
      return;
    }
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

export function textOf(value: Value | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Expr) return value.text;
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Expr ? v.text : v));
}
