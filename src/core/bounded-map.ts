/**
 * A Map that holds at most `max` entries: when full, the oldest tenth (Maps iterate in
 * insertion order) is dropped at once, rather than one entry per insert.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) {
      let drop = Math.ceil(this.max / 10);
      for (const k of this.keys()) {
        this.delete(k);
        if (--drop === 0) break;
      }
    }
    return super.set(key, value);
  }
}
