/**
 * Kubernetes label selectors as kubectl's `-l` takes them (`app=web,tier!=cache`, `env in (prod,stage)`, `!canary`).
 * Parsed and checked here, before anything is sent, so a typo is a clear error instead of an API server 400; the
 * canonical text is then sent as the pods list's `labelSelector`, and `matchesSelector` gives the same answer the
 * API server gives (k8s.io/apimachinery pkg/labels/selector.go: `!=` and `notin` also match a pod without the label;
 * `>`/`<` need an integer label value).
 */

export type SelectorOperator = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | '>' | '<';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** `=`/`!=`/`>`/`<`: one value; `in`/`notin`: one or more; `exists`/`!exists`: none. */
  readonly values: readonly string[];
}

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

// pkg/util/validation: a qualified name (optional DNS-subdomain prefix and '/'), a label value of ≤ 63 characters
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string, text: string): string {
  if (!key) throw new SelectorError(`"${text}": a requirement has no label key`);
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!PREFIX.test(prefix) || prefix.length > 253)) throw new SelectorError(`"${text}": "${prefix}" is not a valid label key prefix (a DNS subdomain such as app.kubernetes.io)`);
  if (!NAME.test(name) || name.length > 63) throw new SelectorError(`"${text}": "${key}" is not a valid label key (letters, digits, '-', '_', '.', at most 63, starting and ending with a letter or digit)`);
  return key;
}

function checkValue(value: string, text: string): string {
  if (value !== '' && (!NAME.test(value) || value.length > 63)) throw new SelectorError(`"${text}": "${value}" is not a valid label value (letters, digits, '-', '_', '.', at most 63)`);
  return value;
}

type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '==' || two === '!=') {
      out.push({ kind: 'op', text: two });
      i += 2;
    } else if ('=!(),<>'.includes(ch)) {
      out.push({ kind: 'op', text: ch });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s=!(),<>]/.test(text[j])) j++;
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Parses a selector; throws `SelectorError` naming what is wrong. An empty or blank text is no requirement at all. */
export function parseSelector(text: string): SelectorRequirement[] {
  const toks = tokenize(text);
  const reqs: SelectorRequirement[] = [];
  let i = 0;
  const peek = () => toks[i];
  const word = (what: string): string => {
    const t = toks[i++];
    if (!t || t.kind !== 'word') throw new SelectorError(`"${text}": expected ${what}${t ? `, found "${t.text}"` : ' at the end'}`);
    return t.text;
  };
  while (i < toks.length) {
    let req: SelectorRequirement;
    if (peek().text === '!' && peek().kind === 'op') {
      i++;
      req = { key: checkKey(word('a label key after "!"'), text), operator: '!exists', values: [] };
    } else {
      const key = checkKey(word('a label key'), text);
      const t = peek();
      if (!t || (t.kind === 'op' && t.text === ',')) req = { key, operator: 'exists', values: [] };
      else if (t.kind === 'op' && ['=', '==', '!=', '>', '<'].includes(t.text)) {
        i++;
        const next = peek();
        // `key=` (empty value) is allowed, as in Kubernetes
        const value = !next || (next.kind === 'op' && next.text === ',') ? '' : word(`a value after "${key}${t.text}"`);
        const op: SelectorOperator = t.text === '==' ? '=' : (t.text as SelectorOperator);
        if ((op === '>' || op === '<') && !/^-?\d+$/.test(value)) throw new SelectorError(`"${text}": "${key}${op}${value}" needs an integer value`);
        req = { key, operator: op, values: [op === '>' || op === '<' ? value : checkValue(value, text)] };
      } else if (t.kind === 'word' && (t.text === 'in' || t.text === 'notin')) {
        i++;
        const open = toks[i++];
        if (!open || open.text !== '(') throw new SelectorError(`"${text}": expected "(" after "${key} ${t.text}"`);
        const values: string[] = [];
        for (;;) {
          const v = peek();
          if (v?.kind === 'op' && v.text === ')' && values.length === 0) break;
          values.push(checkValue(v?.kind === 'op' && (v.text === ',' || v.text === ')') ? '' : word(`a value in "${key} ${t.text} (…)"`), text));
          const sep = toks[i];
          if (sep?.text === ',') i++;
          else if (sep?.text === ')') break;
          else throw new SelectorError(`"${text}": expected "," or ")" in "${key} ${t.text} (…)"${sep ? `, found "${sep.text}"` : ' before the end'}`);
        }
        i++; // ')'
        if (!values.length) throw new SelectorError(`"${text}": "${key} ${t.text} ()" needs at least one value`);
        req = { key, operator: t.text, values };
      } else throw new SelectorError(`"${text}": expected "=", "!=", "in", "notin" or "," after "${key}", found "${t.text}"`);
    }
    reqs.push(req);
    const sep = toks[i];
    if (sep === undefined) break;
    if (sep.text !== ',') throw new SelectorError(`"${text}": expected "," between requirements, found "${sep.text}"`);
    i++;
    if (i >= toks.length) throw new SelectorError(`"${text}": a "," is not followed by a requirement`);
  }
  return reqs;
}

/** The canonical text, as sent to the API server (`labelSelector`). */
export function formatSelector(reqs: readonly SelectorRequirement[]): string {
  return reqs
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!exists':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}

/** Does an object with these labels match every requirement? (The API server's semantics.) */
export function matchesSelector(reqs: readonly SelectorRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
      case 'in':
        return has && r.values.includes(v);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(v);
      case '>':
      case '<': {
        if (!has || !/^-?\d+$/.test(v)) return false;
        const a = Number(v);
        const b = Number(r.values[0]);
        return r.operator === '>' ? a > b : a < b;
      }
    }
  });
}
