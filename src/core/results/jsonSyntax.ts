/**
 * Locates the first JSON syntax error in a text, for error messages (V8's JSON.parse messages carry no position for
 * some errors, and their wording differs between Node versions). Runs only after JSON.parse has failed. Iterative, so
 * deeply nested input cannot overflow the stack.
 */
export interface JsonSyntaxError {
  /** Character offset of the error; `text.length` when the input ended too early. */
  readonly pos: number;
  /** What was expected or found, e.g. `expected ',' or ']' after an array element`. */
  readonly problem: string;
  /** The input ended before the JSON was complete. */
  readonly truncated: boolean;
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function findJsonSyntaxError(s: string): JsonSyntaxError | undefined {
  const stack: string[] = [];
  type State = 'value' | 'keyOrEnd' | 'key' | 'colon' | 'commaOrEnd' | 'valueOrEnd' | 'end';
  let state = 'value' as State;
  let i = 0;
  const n = s.length;
  const fail = (problem: string, pos = i): JsonSyntaxError => ({ pos, problem, truncated: pos >= n });
  const found = (): string => (i >= n ? 'the end of the text' : `'${s[i]}'`);

  /** Scans a string starting at s[i] === '"'; returns an error or advances i past it. */
  const string = (): JsonSyntaxError | undefined => {
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c === 0x5c) {
        const e = s[i + 1];
        if (e === undefined) return fail('unterminated string', n);
        if (e === 'u') {
          if (i + 6 > n) return fail('unterminated string', n);
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return fail('bad \\u escape in a string');
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else return fail(`bad escape '\\${e}' in a string`);
        continue;
      }
      if (c < 0x20) return fail('control character (e.g. a raw line break) inside a string');
      i++;
    }
    return fail('unterminated string', n);
  };
  const afterValue = (): void => {
    state = stack.length ? 'commaOrEnd' : 'end';
  };

  for (;;) {
    while (i < n && WS.has(s[i])) i++;
    if (i >= n) return state === 'end' ? undefined : fail('unexpected end', n);
    const c = s[i];
    switch (state) {
      case 'end':
        return fail(`unexpected ${found()} after the end of the JSON value`);
      case 'colon':
        if (c !== ':') return fail(`expected ':' after a property name, found ${found()}`);
        i++;
        state = 'value';
        break;
      case 'key':
      case 'keyOrEnd':
        if (c === '"') {
          const e = string();
          if (e) return e;
          state = 'colon';
        } else if (c === '}' && state === 'keyOrEnd') {
          i++;
          stack.pop();
          afterValue();
        } else return fail(`expected a double-quoted property name, found ${found()}`);
        break;
      case 'commaOrEnd': {
        const top = stack[stack.length - 1];
        const close = top === '{' ? '}' : ']';
        if (c === ',') {
          i++;
          state = top === '{' ? 'key' : 'value';
        } else if (c === close) {
          i++;
          stack.pop();
          afterValue();
        } else return fail(`expected ',' or '${close}' after ${top === '{' ? 'a property value' : 'an array element'}, found ${found()}`);
        break;
      }
      case 'valueOrEnd':
      case 'value':
        if (c === ']' && state === 'valueOrEnd') {
          i++;
          stack.pop();
          afterValue();
        } else if (c === '{') {
          stack.push('{');
          i++;
          state = 'keyOrEnd';
        } else if (c === '[') {
          stack.push('[');
          i++;
          state = 'valueOrEnd';
        } else if (c === '"') {
          const e = string();
          if (e) return e;
          afterValue();
        } else {
          const lit = ['true', 'false', 'null'].find((w) => s.startsWith(w, i) || (w.startsWith(s.slice(i, i + w.length)) && i + w.length > n));
          if (lit) {
            if (i + lit.length > n) return fail('unexpected end', n);
            i += lit.length;
            afterValue();
            break;
          }
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(s);
          // a number cut off at the end of the text ("0.", "1e", "-")
          if (/^-?\d*(?:\.\d*)?(?:[eE][+-]?\d*)?$/.test(s.slice(i)) && (!m || i + m[0].length < n)) return fail('unexpected end', n);
          if (m && m[0] !== '' && m[0] !== '-') {
            i += m[0].length;
            afterValue();
          } else return fail(`expected a value, found ${found()}`);
        }
        break;
    }
  }
}
