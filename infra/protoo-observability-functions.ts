/**
 * Functions and log groups are given by route, and by default one function
 * serves all three routes: it comes thrice (as connect, disconnect and
 * message) but must be watched once. Three metric filters on one log group
 * would count every failure three times, and three alarms would page thrice.
 */

/** What one function (or log group) serving several routes is called: alarm ids, outputs, dashboard labels. */
export const SHARED_NAME = 'routes';

/**
 * Each distinct value once: under its own name when one name holds it, under
 * SHARED_NAME when several do.
 */
export function distinctByIdentity<T extends object>(byName: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  const names = new Map<T, string[]>();
  for (const [name, value] of Object.entries(byName)) names.set(value, [...(names.get(value) ?? []), name]);
  const distinct: Record<string, T> = {};
  for (const [value, sharing] of names) {
    const name = sharing.length === 1 ? sharing[0] : SHARED_NAME;
    if (name in distinct) throw new Error(`two different functions (or log groups) would both be watched as "${name}": ${sharing.join(', ')}`);
    distinct[name] = value;
  }
  return distinct;
}
