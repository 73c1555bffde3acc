/**
 * In-memory fakes of the two SDK clients the runtime is given, at their
 * `send(command)` boundary: no serialization, signing or HTTP, so a message
 * handled with them costs the runtime's own work only.
 *
 * The DynamoDB fake serves what the runtime's store sends: GetItem, Query
 * on the key or an index (`=` and `begins_with` conditions), PutItem,
 * DeleteItem and UpdateItem (SET with `=`, `+`, `-` and if_not_exists, ADD,
 * REMOVE). It does not evaluate conditions: it serves one invocation at a
 * time, with no race to lose. It holds a snapshot of a real table for the
 * CPU figures, and builds large rooms quickly (then copied to dynalite).
 * Anything else throws, so a runtime that starts to send something new is
 * noticed rather than answered `{}`.
 */
type Item = Record<string, unknown>;
interface Command {
  input: Record<string, any>;
}

const keyOf = (key: Item) => `${String(key.pk)}|${String(key.sk)}`;

export class InMemoryDocumentClient {
  readonly calls: Record<string, number> = {};
  readonly middlewareStack = { add() {}, use() {}, remove() {} };
  private readonly items = new Map<string, Item>();

  /** clone: false hands out the stored objects themselves (a builder that only writes through the runtime). */
  constructor(
    items: Item[],
    private readonly options: { clone?: boolean } = {},
  ) {
    for (const item of items) this.items.set(keyOf(item), item);
  }

  private copy<T>(value: T): T {
    return this.options.clone === false ? value : structuredClone(value);
  }

  async send(command: Command): Promise<Item> {
    const name = command.constructor.name.replace(/Command$/, '');
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    const input = command.input;
    switch (name) {
      case 'Get': {
        const item = this.items.get(keyOf(input.Key));
        return item ? { Item: this.copy(item) } : {};
      }
      case 'Put':
        this.items.set(keyOf(input.Item), this.copy(input.Item));
        return {};
      case 'Delete': {
        const key = keyOf(input.Key);
        const old = this.items.get(key);
        this.items.delete(key);
        return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
      }
      case 'Update': {
        const key = keyOf(input.Key);
        const old = this.items.get(key);
        const item = update(structuredClone(old ?? { ...input.Key }), input);
        this.items.set(key, item);
        const returned = input.ReturnValues === 'ALL_OLD' ? old : input.ReturnValues && input.ReturnValues !== 'NONE' ? item : undefined;
        return returned ? { Attributes: this.copy(returned) } : {};
      }
      case 'Query':
        return this.query(input);
      default:
        throw new Error(`the in-memory DynamoDB fake does not serve ${name}`);
    }
  }

  /** Every item, for copying into a real table. */
  allItems(): Item[] {
    return [...this.items.values()];
  }

  private query(input: Record<string, any>): Item {
    const names: Record<string, string> = input.ExpressionAttributeNames ?? {};
    const values: Record<string, unknown> = input.ExpressionAttributeValues ?? {};
    const conditions = String(input.KeyConditionExpression)
      .split(/\s+AND\s+/i)
      .map((part) => {
        const prefix = /^begins_with\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)$/.exec(part.trim());
        const equal = /^([#\w]+)\s*=\s*(:\w+)$/.exec(part.trim());
        const [, attribute, value] = prefix ?? equal ?? [];
        if (!attribute) throw new Error(`the in-memory DynamoDB fake cannot read the key condition "${part}"`);
        return { attribute: names[attribute] ?? attribute, value: values[value], prefix: !!prefix };
      });
    const matches = [...this.items.values()]
      .filter((item) => conditions.every(({ attribute, value, prefix }) => (prefix ? String(item[attribute] ?? '').startsWith(String(value)) : item[attribute] === value)))
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
    if (input.FilterExpression) throw new Error('the in-memory DynamoDB fake has no FilterExpression');
    const page = input.Limit ? matches.slice(0, input.Limit) : matches;
    return { Items: page.map((item) => this.copy(item)), Count: page.length };
  }
}

/** Every post is delivered at once. */
export class InMemoryManagementClient {
  readonly calls: Record<string, number> = {};
  readonly middlewareStack = { add() {}, use() {}, remove() {} };
  readonly config = {};
  /** The last Data posted to each connection, as sent. */
  readonly lastSent = new Map<string, unknown>();
  /** Ids of the requests posted to each connection, until taken. */
  readonly requestIds = new Map<string, number[]>();

  async send(command: Command): Promise<Item> {
    const name = command.constructor.name.replace(/Command$/, '');
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (name === 'PostToConnection') {
      const { ConnectionId, Data } = command.input;
      this.lastSent.set(ConnectionId, Data);
      const text = typeof Data === 'string' ? Data : new TextDecoder().decode(Data);
      if (text.includes('"request":true')) this.requestIds.set(ConnectionId, [...(this.requestIds.get(ConnectionId) ?? []), JSON.parse(text).id]);
    }
    return { $metadata: { httpStatusCode: 200 } };
  }

  destroy() {}
}

/** Applies an UpdateExpression's SET, ADD and REMOVE clauses (no DELETE, no lists). */
function update(item: Item, input: Record<string, any>): Item {
  const names: Record<string, string> = input.ExpressionAttributeNames ?? {};
  const values: Record<string, unknown> = input.ExpressionAttributeValues ?? {};
  const path = (text: string) => text.trim().split('.').map((part) => names[part] ?? part);
  const read = (target: Item, parts: string[]): unknown => parts.reduce<any>((at, part) => (at === undefined ? undefined : at[part]), target);
  const write = (target: Item, parts: string[], value: unknown) => {
    let at: any = target;
    for (const part of parts.slice(0, -1)) at = at[part] ??= {};
    at[parts[parts.length - 1]] = value;
  };
  const remove = (target: Item, parts: string[]) => {
    const parent: any = read(target, parts.slice(0, -1));
    if (parent) delete parent[parts[parts.length - 1]];
  };
  const operand = (text: string): unknown => {
    const trimmed = text.trim();
    const ifNotExists = /^if_not_exists\(\s*([^,]+),\s*(:\w+)\s*\)$/.exec(trimmed);
    if (ifNotExists) return read(item, path(ifNotExists[1])) ?? values[ifNotExists[2]];
    return trimmed.startsWith(':') ? values[trimmed] : read(item, path(trimmed));
  };
  const clauses = String(input.UpdateExpression).split(/\b(SET|ADD|REMOVE|DELETE)\b/).slice(1);
  for (let i = 0; i < clauses.length; i += 2) {
    const [keyword, body] = [clauses[i], clauses[i + 1]];
    for (const action of body.split(/,(?![^(]*\))/).map((part) => part.trim()).filter(Boolean)) {
      if (keyword === 'REMOVE') remove(item, path(action));
      else if (keyword === 'ADD') {
        const [target, value] = action.split(/\s+/);
        const current = read(item, path(target));
        const added = values[value];
        write(item, path(target), added instanceof Set ? new Set([...((current as Set<unknown>) ?? []), ...added]) : Number(current ?? 0) + Number(added));
      } else if (keyword === 'SET') {
        const [target, expression] = action.split(/=(.*)/s);
        const arithmetic = /^(.+?)\s*([+-])\s*(.+)$/.exec(expression.trim());
        const value = arithmetic
          ? Number(operand(arithmetic[1])) + (arithmetic[2] === '+' ? 1 : -1) * Number(operand(arithmetic[3]))
          : operand(expression);
        write(item, path(target), value);
      } else throw new Error(`the in-memory DynamoDB fake has no ${keyword}`);
    }
  }
  return item;
}
