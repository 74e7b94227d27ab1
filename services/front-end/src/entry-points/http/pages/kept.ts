// Values kept per object for as long as the object lives (a WeakMap on it), and per key under it,
// at most `maxKeys` keys per object (past that the object's keys start afresh). The catalogue
// caches answer the same list objects until the catalogue changes, so what is made from one (a
// category page's content, a page's bytes) is kept on it and goes with it.
export function keptPerObject<O extends object, V>(
  maxKeys: number,
): (owner: O, key: string, make: () => V) => V {
  const byOwner = new WeakMap<O, Map<string, V>>();
  return (owner, key, make) => {
    let values = byOwner.get(owner);
    if (values === undefined) {
      values = new Map();
      byOwner.set(owner, values);
    }
    let value = values.get(key);
    if (value === undefined) {
      value = make();
      if (values.size >= maxKeys) values.clear();
      values.set(key, value);
    }
    return value;
  };
}
