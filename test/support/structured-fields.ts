/**
 * A strict parser of Structured Field Lists (RFC 9651 §4.2, the algorithms followed step by step),
 * for tests that check Tollgate's header fields are what the RateLimit draft says they are: Lists
 * of Items with Parameters. Anything RFC 9651 says to fail on throws {@link StructuredFieldError}.
 * No package of the dependency tree parses Structured Fields.
 */

/** A Byte Sequence (`:base64:`), kept apart from Strings. */
export class ByteSequence {
  constructor(readonly base64: string) {}
}

/** A Token (`abc`), kept apart from Strings (`"abc"`). */
export class Token {
  constructor(readonly value: string) {}
}

/** A Date (`@1659578233`). */
export class SfDate {
  constructor(readonly seconds: number) {}
}

/** A bare item: Integer or Decimal (number), String, Token, Byte Sequence, Boolean, Date. */
export type BareItem = number | string | Token | ByteSequence | boolean | SfDate;

/** An Item or an Inner List, with its Parameters in order. */
export interface ListMember {
  value: BareItem | InnerListItem[];
  params: Map<string, BareItem>;
}

/** An Item inside an Inner List. */
export interface InnerListItem {
  value: BareItem;
  params: Map<string, BareItem>;
}

/** The field value is not a valid Structured Field of the type asked for. */
export class StructuredFieldError extends Error {}

/** Parses a field value as a List (RFC 9651 §4.2, with §4.2.1 for the members). */
export function parseList(fieldValue: string): ListMember[] {
  const input = new Input(fieldValue);
  input.skipSP();
  const members: ListMember[] = [];
  while (!input.done()) {
    members.push(input.peek() === '(' ? input.innerList() : input.item());
    input.skipOWS();
    if (input.done()) break;
    input.expect(',');
    input.skipOWS();
    if (input.done()) throw new StructuredFieldError('a trailing comma');
  }
  return members;
}

class Input {
  private position = 0;
  constructor(private readonly text: string) {
    // §4.2: the field value is ASCII; leading and trailing SP are discarded, nothing else is.
    if (!/^[\x20-\x7e]*$/.test(text)) throw new StructuredFieldError('not visible ASCII');
    this.text = text.replace(/ +$/, '');
  }

  done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position] ?? '';
  }

  private next(): string {
    const char = this.peek();
    this.position++;
    return char;
  }

  expect(char: string): void {
    if (this.next() !== char) throw new StructuredFieldError(`expected "${char}" at ${this.position - 1}`);
  }

  skipSP(): void {
    while (this.peek() === ' ') this.position++;
  }

  skipOWS(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.position++;
  }

  item(): ListMember {
    return { value: this.bareItem(), params: this.parameters() };
  }

  innerList(): ListMember {
    this.expect('(');
    const items: InnerListItem[] = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ')') {
        this.position++;
        return { value: items, params: this.parameters() };
      }
      items.push({ value: this.bareItem(), params: this.parameters() });
      if (this.peek() !== ' ' && this.peek() !== ')') throw new StructuredFieldError('bad inner list');
    }
  }

  parameters(): Map<string, BareItem> {
    const params = new Map<string, BareItem>();
    while (this.peek() === ';') {
      this.position++;
      this.skipSP();
      const key = this.key();
      let value: BareItem = true;
      if (this.peek() === '=') {
        this.position++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  key(): string {
    const match = /^[a-z*][a-z0-9_\-.*]*/.exec(this.text.slice(this.position));
    if (!match) throw new StructuredFieldError(`a key must start with a-z or * at ${this.position}`);
    this.position += match[0].length;
    return match[0];
  }

  bareItem(): BareItem {
    const char = this.peek();
    if (char === '-' || /[0-9]/.test(char)) return this.number();
    if (char === '"') return this.string();
    if (char === ':') return this.byteSequence();
    if (char === '?') return this.boolean();
    if (char === '@') {
      this.position++;
      const seconds = this.number();
      if (!Number.isInteger(seconds)) throw new StructuredFieldError('a date is an integer');
      return new SfDate(seconds);
    }
    if (/[A-Za-z*]/.test(char)) return this.token();
    throw new StructuredFieldError(`no bare item at ${this.position}`);
  }

  private number(): number {
    const match = /^-?([0-9]+)(\.([0-9]*))?/.exec(this.text.slice(this.position));
    if (!match || match[1] === undefined) throw new StructuredFieldError('not a number');
    const [whole, integer, , fraction] = match;
    if (fraction === undefined) {
      if (integer.length > 15) throw new StructuredFieldError('an integer of more than 15 digits');
    } else if (integer.length > 12 || fraction.length === 0 || fraction.length > 3) {
      throw new StructuredFieldError('a decimal out of shape');
    }
    this.position += whole.length;
    return Number(whole);
  }

  private string(): string {
    this.expect('"');
    let value = '';
    for (;;) {
      if (this.done()) throw new StructuredFieldError('an unterminated string');
      const char = this.next();
      if (char === '"') return value;
      if (char === '\\') {
        const escaped = this.next();
        if (escaped !== '"' && escaped !== '\\') throw new StructuredFieldError('a bad escape');
        value += escaped;
      } else {
        value += char;
      }
    }
  }

  private token(): Token {
    const match = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(this.text.slice(this.position));
    if (!match) throw new StructuredFieldError('not a token');
    this.position += match[0].length;
    return new Token(match[0]);
  }

  private byteSequence(): ByteSequence {
    const match = /^:([A-Za-z0-9+/=]*):/.exec(this.text.slice(this.position));
    if (!match) throw new StructuredFieldError('a bad byte sequence');
    this.position += match[0].length;
    return new ByteSequence(match[1] ?? '');
  }

  private boolean(): boolean {
    this.expect('?');
    const char = this.next();
    if (char !== '0' && char !== '1') throw new StructuredFieldError('a boolean is ?0 or ?1');
    return char === '1';
  }
}
