/**
 * Finds the `control 'ID' do … end` blocks of an InSpec control file without running Ruby.
 *
 * A small Ruby-aware scanner: it skips comments (`#`, `=begin`/`=end`), strings (single, double with `#{}`
 * interpolation, backticks), percent literals (`%w[]`, `%q()`, `%r{}`, …), regular expressions, heredocs
 * (`<<~EOS`, `<<-EOS`, `<<EOS`, quoted ids) and symbols, and counts the openers that an `end` closes (`do`,
 * `if`/`unless`/`while`/`until` at the start of a statement but not as modifiers, `case`, `begin`, `def`, `class`,
 * `module`, `for`) and `{ }` pairs. A `control` call whose first argument is a string literal and which opens a
 * block is recorded with the block's range, wherever it is nested.
 */

/** One `control` block in a file. Lines are 1-based (as InSpec's `source_location.line`), columns 0-based. */
export interface ControlBlock {
  readonly id: string;
  /** True when the id is built at run time (`control "x-#{n}"`): it cannot be selected with `--controls` as written. */
  readonly dynamic: boolean;
  readonly startLine: number;
  readonly startColumn: number;
  /** Line of the `end` (or `}`) that closes the block. */
  readonly endLine: number;
  /** Column just after the closing `end` / `}`. */
  readonly endColumn: number;
  /** The block's source text, from `control` to its closing `end`; used for change detection. */
  readonly text: string;
}

export interface SourceProblem {
  readonly line: number; // 1-based
  readonly column: number; // 0-based
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export interface ScanResult {
  readonly controls: ControlBlock[];
  readonly problems: SourceProblem[];
}

type Last = 'start' | 'value' | 'operator';

interface Opener {
  readonly kind: 'keyword' | 'do' | 'brace';
  readonly word: string;
  readonly line: number;
  readonly column: number;
  readonly control?: PendingControl;
}

interface PendingControl {
  readonly id: string;
  readonly dynamic: boolean;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

interface Heredoc {
  readonly id: string;
  readonly indented: boolean; // <<~ or <<-: the terminator may be indented
}

const ALWAYS_OPEN = new Set(['case', 'begin', 'def', 'class', 'module', 'for']);
const STATEMENT_OPEN = new Set(['if', 'unless', 'while', 'until']);
const LOOP_WITH_DO = new Set(['while', 'until', 'for']);
/** Keywords after which the next token is a value position (a following `if` is a modifier, `/` is division). */
const VALUE_KEYWORDS = new Set(['end', 'self', 'true', 'false', 'nil', '__FILE__', '__LINE__', '__dir__', 'redo', 'retry']);
/** Keywords that may stand alone before a modifier (`return if x`, `next unless y`). */
const BARE_KEYWORDS = new Set(['return', 'break', 'next', 'yield', 'super']);
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

const isIdentStart = (c: string) => /[A-Za-z_\u0080-\uffff]/.test(c);
const isIdentChar = (c: string) => /[A-Za-z0-9_\u0080-\uffff]/.test(c);

export function scanControls(text: string): ScanResult {
  return new Scanner(text).run();
}

class Scanner {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private last: Last = 'start';
  /** Whether whitespace separated the previous token from the current position. */
  private spaced = false;
  private prevWasDot = false;
  /** A `while`/`until`/`for` opened on this line: its optional `do` belongs to it. */
  private loopDoPending = false;
  private pendingControl: PendingControl | undefined;
  /** The previous token was a plain identifier (a possible method name taking an argument without parentheses). */
  private lastWasIdentifier = false;
  private heredocs: Heredoc[] = [];
  private readonly stack: Opener[] = [];
  private readonly controls: ControlBlock[] = [];
  private readonly problems: SourceProblem[] = [];

  constructor(private readonly s: string) {}

  run(): ScanResult {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (this.i === this.lineStart) {
        if (s.startsWith('=begin', this.i) && !isIdentChar(s[this.i + 6] ?? ' ')) {
          this.skipEmbeddedDoc();
          continue;
        }
        if (s.startsWith('__END__', this.i) && /^__END__\r?(\n|$)/.test(s.slice(this.i, this.i + 9))) break;
      }
      if (c === '\n') {
        this.newline();
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.i++;
        this.spaced = true;
        continue;
      }
      if (c === '\\' && (s[this.i + 1] === '\n' || (s[this.i + 1] === '\r' && s[this.i + 2] === '\n'))) {
        // line continuation: the statement goes on
        this.i += s[this.i + 1] === '\n' ? 1 : 2;
        this.advanceLine();
        continue;
      }
      if (c === '#') {
        this.skipToEol();
        continue;
      }
      const spacedBefore = this.spaced;
      this.spaced = false;
      const wasDot = this.prevWasDot;
      this.prevWasDot = false;
      const prevIdent = this.lastWasIdentifier;
      this.lastWasIdentifier = false;
      if (c === "'") {
        this.i = this.skipQuoted(this.i + 1, "'", false);
        this.last = 'value';
        continue;
      }
      if (c === '"' || c === '`') {
        this.i = this.skipQuoted(this.i + 1, c, true);
        this.last = 'value';
        continue;
      }
      if (c === '%' && this.tryPercentLiteral(spacedBefore, prevIdent)) {
        this.last = 'value';
        continue;
      }
      if (c === '/' && this.regexAllowed(spacedBefore, prevIdent)) {
        this.i = this.skipQuoted(this.i + 1, '/', true);
        while (/[imxounse]/.test(s[this.i] ?? '')) this.i++;
        this.last = 'value';
        continue;
      }
      if (c === '<' && s[this.i + 1] === '<' && this.tryHeredoc(prevIdent)) {
        this.last = 'value';
        continue;
      }
      if (c === ':' && s[this.i + 1] !== ':' && this.trySymbol()) {
        this.last = 'value';
        continue;
      }
      if (c === '?' && this.tryCharLiteral()) {
        this.last = 'value';
        continue;
      }
      if (isIdentStart(c) || (c === '@' || c === '$')) {
        this.word(wasDot);
        continue;
      }
      if (/[0-9]/.test(c)) {
        while (this.i < s.length && /[0-9A-Za-z_.]/.test(s[this.i])) {
          if (s[this.i] === '.' && !/[0-9]/.test(s[this.i + 1] ?? '')) break;
          this.i++;
        }
        this.last = 'value';
        continue;
      }
      this.punct(c);
    }
    for (const open of this.stack.reverse()) {
      if (open.control) {
        this.problem(open.control.line, open.control.column, `control '${open.control.id}' has no matching \`end\` (the file ends first)`);
      } else {
        this.problem(open.line, open.column, `\`${open.word}\` opened here has no matching ${open.kind === 'brace' ? '`}`' : '`end`'}`);
      }
    }
    this.controls.sort((a, b) => a.startLine - b.startLine || a.startColumn - b.startColumn);
    return { controls: this.controls, problems: this.problems };
  }

  private problem(line: number, column: number, message: string, severity: 'error' | 'warning' = 'error'): void {
    this.problems.push({ line, column, message, severity });
  }

  private advanceLine(): void {
    this.i++;
    this.line++;
    this.lineStart = this.i;
  }

  private newline(): void {
    this.advanceLine();
    this.spaced = true;
    if (this.heredocs.length) this.skipHeredocBodies();
    // a newline ends the statement unless the previous token asks for more (operator, comma, open paren)
    if (this.last !== 'operator') {
      this.last = 'start';
      this.pendingControl = undefined;
    }
    this.loopDoPending = false;
  }

  private skipToEol(): void {
    const nl = this.s.indexOf('\n', this.i);
    this.i = nl < 0 ? this.s.length : nl;
  }

  private skipEmbeddedDoc(): void {
    const startLine = this.line;
    for (;;) {
      const nl = this.s.indexOf('\n', this.i);
      if (nl < 0) {
        this.i = this.s.length;
        this.problem(startLine, 0, '`=begin` has no matching `=end`');
        return;
      }
      this.i = nl;
      this.advanceLine();
      if (this.s.startsWith('=end', this.i) && !isIdentChar(this.s[this.i + 4] ?? ' ')) {
        this.skipToEol();
        return;
      }
    }
  }

  /** Skips a quoted body up to the unescaped `close`; `#{…}` is code when `interpolate`. Returns the index after `close`. */
  private skipQuoted(from: number, close: string, interpolate: boolean, open?: string): number {
    const s = this.s;
    let depth = 0;
    let j = from;
    while (j < s.length) {
      const c = s[j];
      if (c === '\\') {
        if (s[j + 1] === '\n') this.countNewline(j + 1);
        j += 2;
        continue;
      }
      if (c === '\n') {
        this.countNewline(j);
        j++;
        continue;
      }
      if (interpolate && c === '#' && s[j + 1] === '{') {
        j = this.skipInterpolation(j + 2);
        continue;
      }
      if (open && c === open) depth++;
      else if (c === close) {
        if (depth === 0) return j + 1;
        depth--;
      }
      j++;
    }
    this.problem(this.line, 0, `unterminated ${close === "'" || close === '"' ? 'string' : 'literal'} (the file ends first)`);
    return s.length;
  }

  /** Skips the code of a `#{…}`: nested braces and strings. Returns the index after its `}`. */
  private skipInterpolation(from: number): number {
    const s = this.s;
    let depth = 0;
    let j = from;
    while (j < s.length) {
      const c = s[j];
      if (c === '\n') this.countNewline(j);
      if (c === "'") {
        j = this.skipQuoted(j + 1, "'", false);
        continue;
      }
      if (c === '"' || c === '`') {
        j = this.skipQuoted(j + 1, c, true);
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0) return j + 1;
        depth--;
      }
      j++;
    }
    return s.length;
  }

  /** Newlines inside skipped literals still move the line counter. */
  private countNewline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }

  private tryPercentLiteral(spacedBefore: boolean, prevIdent: boolean): boolean {
    const s = this.s;
    let j = this.i + 1;
    let type = '';
    if (/[qQwWiIrsx]/.test(s[j] ?? '') && /[^A-Za-z0-9_\s]/.test(s[j + 1] ?? 'a')) {
      type = s[j];
      j++;
    }
    const delim = s[j] ?? '';
    if (!delim || /[A-Za-z0-9_\s]/.test(delim) || delim === '=') return false;
    // after a value, `%` is the modulo operator, except as the first argument of a method call: `foo %w[a b]`
    if (this.last === 'value' && !(prevIdent && spacedBefore && (type !== '' || !/\s/.test(s[j + 1] ?? ' ')))) return false;
    const close = PAIRS[delim] ?? delim;
    const interpolate = type === '' || /[QWIrx]/.test(type);
    this.i = this.skipQuoted(j + 1, close, interpolate, close !== delim ? delim : undefined);
    if (type === 'r') while (/[imxounse]/.test(s[this.i] ?? '')) this.i++;
    return true;
  }

  private regexAllowed(spacedBefore: boolean, prevIdent: boolean): boolean {
    if (this.last !== 'value') return true;
    // `match /x/` (identifier, space, no space after): a method argument
    return prevIdent && spacedBefore && !/[\s=]/.test(this.s[this.i + 1] ?? ' ');
  }

  private tryHeredoc(prevIdent: boolean): boolean {
    const s = this.s;
    const m = /^<<([~-]?)(?:(['"`])([^'"`\n]+)\2|([A-Za-z_][A-Za-z0-9_]*))/.exec(s.slice(this.i, this.i + 200));
    if (!m) return false;
    const flag = m[1];
    const quoted = m[2] !== undefined;
    // `a << b` / `arr <<x` after a value is a shift unless the form is unmistakable (<<~, <<-, quoted, upper-case id)
    if (!flag && !quoted && ((this.last === 'value' && !prevIdent) || !/^[A-Z_]/.test(m[4] ?? ''))) return false;
    if (flag === '-' && !quoted && this.last === 'value' && !prevIdent) return false;
    this.heredocs.push({ id: quoted ? m[3] : m[4], indented: flag !== '' });
    this.i += m[0].length;
    return true;
  }

  private skipHeredocBodies(): void {
    const s = this.s;
    while (this.heredocs.length) {
      const h = this.heredocs.shift()!;
      const startLine = this.line;
      for (;;) {
        if (this.i >= s.length) {
          this.problem(startLine - 1, 0, `heredoc ${h.id} has no terminator line`);
          return;
        }
        const nl = s.indexOf('\n', this.i);
        const raw = s.slice(this.i, nl < 0 ? s.length : nl).replace(/\r$/, '');
        const done = (h.indented ? raw.trim() : raw) === h.id;
        if (nl < 0) {
          this.i = s.length;
          if (!done) this.problem(startLine - 1, 0, `heredoc ${h.id} has no terminator line`);
          return;
        }
        this.i = nl;
        this.advanceLine();
        if (done) break;
      }
    }
  }

  private trySymbol(): boolean {
    const s = this.s;
    const n = s[this.i + 1] ?? '';
    if (n === '"' || n === "'") {
      // `a ? b :"c"` is rare; a quoted symbol is common
      this.i = this.skipQuoted(this.i + 2, n, n === '"');
      return true;
    }
    if (isIdentStart(n) || n === '@' || n === '$') {
      let j = this.i + 1;
      while (j < s.length && (isIdentChar(s[j]) || s[j] === '@' || s[j] === '$')) j++;
      if (s[j] === '?' || s[j] === '!' || s[j] === '=') {
        if (s[j + 1] !== '=' && s[j + 1] !== '>' && s[j + 1] !== '~') j++;
      }
      this.i = j;
      return true;
    }
    if (/[+\-*/<>=!%&|^~[]/.test(n) && this.last !== 'value') {
      // operator symbols (:+, :<=>, :[]); skip the operator characters
      let j = this.i + 1;
      while (j < s.length && /[+\-*/<>=!%&|^~[\]]/.test(s[j])) j++;
      this.i = j;
      return true;
    }
    return false;
  }

  /** `?a` character literal (not the ternary `?`). */
  private tryCharLiteral(): boolean {
    if (this.last === 'value') return false;
    const s = this.s;
    const n = s[this.i + 1] ?? '';
    if (!n || /\s/.test(n)) return false;
    if (n === '\\') {
      this.i += 3;
      return true;
    }
    if (isIdentChar(s[this.i + 2] ?? ' ')) return false;
    this.i += 2;
    return true;
  }

  private word(afterDot: boolean): void {
    const s = this.s;
    const start = this.i;
    const column = start - this.lineStart;
    let j = start;
    while (j < s.length && (s[j] === '@' || s[j] === '$')) j++;
    while (j < s.length && isIdentChar(s[j])) j++;
    if ((s[j] === '?' || s[j] === '!') && s[j + 1] !== '=') j++;
    const w = s.slice(start, j);
    this.i = j;
    // a label (`if:`, `end: 1`) is a hash key, not a keyword
    if (s[j] === ':' && s[j + 1] !== ':' && start > 0 && s[start - 1] !== ':') {
      this.i = j + 1;
      this.last = 'operator';
      return;
    }
    if (afterDot || /^[@$]/.test(w)) {
      this.last = 'value';
      this.lastWasIdentifier = !/^[@$]/.test(w);
      return;
    }
    const statementStart = this.last !== 'value';
    if (w === 'end') {
      this.close('end', column);
      this.last = 'value';
      return;
    }
    if (w === 'do') {
      if (this.loopDoPending) {
        this.loopDoPending = false;
        this.last = 'operator';
        return;
      }
      this.open('do', 'do', column);
      this.last = 'start';
      return;
    }
    if (ALWAYS_OPEN.has(w) || (STATEMENT_OPEN.has(w) && statementStart)) {
      // `def foo = expr` (endless method) has no `end`
      if (w === 'def' && /^\s+[^\s(=]+(\([^)]*\))?\s*=[^=~>]/.test(s.slice(j, j + 200).split('\n')[0])) {
        this.last = 'operator';
        return;
      }
      this.open('keyword', w, column);
      if (LOOP_WITH_DO.has(w)) this.loopDoPending = true;
      this.last = 'start';
      return;
    }
    if (w === 'control' && statementStart) {
      const m = /^[ \t]*\(?[ \t]*(?:'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)")/.exec(s.slice(j, j + 500));
      if (m) {
        const single = m[1] !== undefined;
        const raw = single ? m[1] : m[2];
        const id = single ? raw.replace(/\\(['\\])/g, '$1') : raw.replace(/\\(.)/g, '$1');
        this.pendingControl = { id, dynamic: !single && raw.includes('#{'), offset: start, line: this.line, column };
      }
      this.last = 'value';
      this.lastWasIdentifier = true;
      return;
    }
    if (VALUE_KEYWORDS.has(w) || BARE_KEYWORDS.has(w)) {
      this.last = 'value';
      return;
    }
    if (['and', 'or', 'not', 'then', 'else', 'elsif', 'when', 'in', 'rescue', 'ensure', 'return', 'unless', 'if', 'while', 'until', 'defined?'].includes(w)) {
      this.last = 'operator';
      return;
    }
    this.last = 'value';
    this.lastWasIdentifier = true;
  }

  private open(kind: Opener['kind'], word: string, column: number, attachControl = kind === 'do'): void {
    const control = attachControl ? this.pendingControl : undefined;
    if (control) this.pendingControl = undefined;
    this.stack.push({ kind, word, line: this.line, column, control });
    if (kind !== 'keyword') this.skipBlockParameters();
  }

  /** `do |a, (b, c)|` / `{ |x| …`: the parameters between the bars are not an expression. */
  private skipBlockParameters(): void {
    const m = /^[ \t]*\|[^|\n]*\|/.exec(this.s.slice(this.i, this.i + 300));
    if (m) this.i += m[0].length;
  }

  private close(word: 'end' | '}', column: number): void {
    const want = word === '}' ? 'brace' : 'nonbrace';
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.problem(this.line, column, `\`${word}\` here closes nothing (an extra \`${word}\`, or an opener the index did not recognise)`);
      return;
    }
    if ((want === 'brace') !== (top.kind === 'brace')) {
      this.problem(this.line, column, `\`${word}\` here does not match \`${top.word}\` opened on line ${top.line}`);
      // recover: pop up to the nearest matching kind, if any
      const k = this.findLast(want);
      if (k < 0) return;
      this.stack.length = k + 1;
    }
    const open = this.stack.pop()!;
    if (open.control) {
      const endOffset = this.i; // after the `end` / `}`
      this.controls.push({
        id: open.control.id,
        dynamic: open.control.dynamic,
        startLine: open.control.line,
        startColumn: open.control.column,
        endLine: this.line,
        endColumn: endOffset - this.lineStart,
        text: this.s.slice(open.control.offset, endOffset),
      });
    }
  }

  private findLast(want: 'brace' | 'nonbrace'): number {
    for (let k = this.stack.length - 1; k >= 0; k--) if ((this.stack[k].kind === 'brace') === (want === 'brace')) return k;
    return -1;
  }

  private punct(c: string): void {
    const column = this.i - this.lineStart;
    this.i++;
    switch (c) {
      case '{':
        // `control('id') { … }` is a control block too; `control 'id' { … }` would bind the braces to the string
        this.open('brace', '{', column, this.last === 'value' && /\)[ \t]*$/.test(this.s.slice(this.lineStart, this.i - 1)));
        this.last = 'start';
        return;
      case '}':
        this.close('}', column);
        this.last = 'value';
        return;
      case ')':
      case ']':
        this.last = 'value';
        return;
      case ';':
        this.last = 'start';
        this.loopDoPending = false;
        return;
      case '.':
        if (this.s[this.i] === '.') {
          // range operator
          while (this.s[this.i] === '.') this.i++;
          this.last = 'operator';
          return;
        }
        this.prevWasDot = true;
        this.last = 'operator';
        return;
      case '&':
        if (this.s[this.i] === '.') {
          this.i++;
          this.prevWasDot = true;
        }
        this.last = 'operator';
        return;
      case ':':
        if (this.s[this.i] === ':') {
          this.i++;
          this.prevWasDot = true;
        }
        this.last = 'operator';
        return;
      default:
        this.last = 'operator';
    }
  }
}
