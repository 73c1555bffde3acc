/**
 * The one check between app/client data and DynamoDB. Peer data and
 * request contexts are JSON a client may have written, so every write of
 * such data goes through `storableAttribute` before the document client
 * marshals it: whatever DynamoDB (or the SDK) would refuse or change is
 * refused here, as UnstorableDataError, before anything is written.
 */

/** The data cannot be stored as given; the message says where and why (it is shown to the client). */
export class UnstorableDataError extends Error {
  override readonly name = 'UnstorableDataError';
}

/**
 * DynamoDB allows 32 levels of nesting counted from the item, which is the
 * first level (measured on DynamoDB Local, which refuses the 32nd nested
 * container under a top-level attribute; dynalite does not check at all).
 */
export const MAX_ITEM_NESTING = 32;
const MAX_ATTRIBUTE_CONTAINERS = MAX_ITEM_NESTING - 1;

/** Non-zero magnitudes below this underflow in DynamoDB ("Number underflow"). */
const MIN_NUMBER_MAGNITUDE = 1e-130;

/** DynamoDB's limit on an attribute name, map keys included. */
const MAX_KEY_BYTES = 65_535;

type Storable = null | boolean | number | string | Storable[] | StorableObject;
type StorableObject = { [key: string]: Storable } | Map<string, Storable>;

/**
 * Checks `value`, to be stored as the top-level attribute `name`, and
 * returns a copy to hand to the document client. Only JSON values are
 * storable: undefined and functions are left out of objects and become
 * null in arrays, as JSON.stringify does.
 */
export function storableAttribute(name: string, value: Record<string, unknown>): StorableObject {
  return toStorable(value, name, 1) as StorableObject;
}

function toStorable(value: unknown, path: string, containers: number): Storable {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return checkNumber(value, path);
  if (typeof value !== 'object') throw unstorable(path, `a ${typeof value} is not a JSON value`);

  if (containers > MAX_ATTRIBUTE_CONTAINERS) {
    throw unstorable(path, `nested deeper than DynamoDB's ${MAX_ITEM_NESTING} levels`);
  }
  if (Array.isArray(value)) {
    // Array.from visits holes too: they become null, as in JSON.
    return Array.from(value, (element, index) => (isOmitted(element) ? null : toStorable(element, `${path}[${index}]`, containers + 1)));
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw unstorable(path, `a ${prototype?.constructor?.name ?? 'class instance'} is not a JSON value`);
  }
  const entries: [string, Storable][] = [];
  for (const [key, element] of Object.entries(value)) {
    if (isOmitted(element)) continue;
    checkKey(key, path);
    entries.push([key, toStorable(element, `${path}.${key}`, containers + 1)]);
  }
  // lib-dynamodb picks the type of an object by its `.constructor.name`, so an
  // own `constructor` key makes it refuse the object, or worse: with
  // {constructor: {name: 'String'}} it stores "[object Object]". A Map is
  // marshalled by its entries alone, to the same DynamoDB map.
  return Object.hasOwn(value, 'constructor') ? new Map(entries) : Object.fromEntries(entries);
}

function checkNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) throw unstorable(path, `${value} is not a finite number`);
  // The SDK refuses integers it cannot represent exactly (every double above 2^53 is one).
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw unstorable(path, `${value} is beyond ±${Number.MAX_SAFE_INTEGER}, the largest integer stored exactly`);
  }
  if (value !== 0 && Math.abs(value) < MIN_NUMBER_MAGNITUDE) {
    throw unstorable(path, `${value} is below 1e-130, the smallest magnitude DynamoDB stores`);
  }
  return value;
}

function checkKey(key: string, path: string): void {
  if (key === '') throw unstorable(path, 'empty keys are not allowed');
  // Assigned into the marshalled map, it would set a prototype instead of a key.
  if (key === '__proto__') throw unstorable(path, 'the key "__proto__" is not allowed');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw unstorable(path, `a key is longer than ${MAX_KEY_BYTES} bytes`);
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function';
}

/** Paths of deep nesting or long keys get long; their start says enough. */
function unstorable(path: string, problem: string): UnstorableDataError {
  const where = path.length > 80 ? `${path.slice(0, 77)}...` : path;
  return new UnstorableDataError(`cannot store ${where}: ${problem}`);
}
