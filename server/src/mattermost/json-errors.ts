/**
 * Where a JSON text first breaks, as line and column. V8's own SyntaxError messages cannot be shown: some
 * quote the text around the error, and in config.json that text may be a password. So this small scanner
 * (RFC 8259 grammar, no values built) finds the offset itself.
 */

class JsonBreak {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;
const MAX_DEPTH = 512;

class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  /** Throws JsonBreak at the first offset that does not fit the grammar. */
  document(): void {
    this.value(0);
    this.ws();
    if (this.i < this.s.length) throw new JsonBreak(this.i);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }

  private expect(char: string): void {
    this.ws();
    if (this.s[this.i] !== char) throw new JsonBreak(this.i);
    this.i++;
  }

  private value(depth: number): void {
    this.ws();
    if (depth > MAX_DEPTH) throw new JsonBreak(this.i);
    const c = this.s[this.i];
    if (c === '{') return this.container('}', depth, () => (this.ws(), this.string(), this.expect(':'), this.value(depth + 1)));
    if (c === '[') return this.container(']', depth, () => this.value(depth + 1));
    if (c === '"') return this.string();
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.match(NUMBER);
  }

  private container(close: string, depth: number, member: () => void): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      member();
      this.ws();
      if (this.s[this.i] !== ',') return this.expect(close);
      this.i++;
    }
  }

  private string(): void {
    if (this.s[this.i] !== '"') throw new JsonBreak(this.i);
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return;
      }
      if (c.charCodeAt(0) < 0x20) throw new JsonBreak(this.i);
      this.i++;
      if (c === '\\') this.match(ESCAPE);
    }
    throw new JsonBreak(this.i);
  }

  private match(pattern: RegExp): void {
    pattern.lastIndex = this.i;
    if (!pattern.test(this.s)) throw new JsonBreak(this.i);
    this.i = pattern.lastIndex;
  }
}

/** Line and column (both from 1) of the first syntax error in `text`, or undefined when it is valid JSON. */
export function locateJsonError(text: string): { line: number; column: number; atEnd: boolean } | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (err) {
    if (!(err instanceof JsonBreak)) throw err;
    const before = text.slice(0, err.offset).split('\n');
    return { line: before.length, column: before[before.length - 1].length + 1, atEnd: err.offset >= text.length };
  }
}
