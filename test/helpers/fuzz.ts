// Mutations for property tests: take a valid payload and break it in a few random places.
import fc from "fast-check";

/** Deletes or replaces (with `replacement`) a few random parts of a value, at any depth. */
export function mutated(base: fc.Arbitrary<unknown>, replacement: fc.Arbitrary<unknown> = fc.anything()): fc.Arbitrary<unknown> {
  return fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.boolean(), replacement), { minLength: 1, maxLength: 3 }))
    .map(([value, steps]) => {
      const root = { value: structuredClone(value) as unknown };
      for (const [pick, remove, replaced] of steps) {
        const slots: [any, string | number][] = [];
        const walk = (holder: any, key: string | number) => {
          slots.push([holder, key]);
          const v = holder[key];
          if (v && typeof v === "object") for (const k of Object.keys(v)) walk(v, Array.isArray(v) ? Number(k) : k);
        };
        walk(root, "value");
        const [holder, key] = slots[pick % slots.length];
        if (remove && holder !== root) { if (Array.isArray(holder)) holder.splice(key as number, 1); else delete holder[key]; }
        else holder[key] = replaced;
      }
      return root.value;
    });
}
