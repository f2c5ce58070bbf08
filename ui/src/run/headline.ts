import { headline } from "../format";

/** The headline metric of a test run (``test_*`` metrics), by the same preference as validation's. */
export function testHeadline(metrics: Record<string, unknown>): [string, unknown] | null {
  const asVal = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k.replace(/^test_/, "val_"), v]));
  const found = headline(asVal);
  return found ? [found[0].replace(/^val_/, "test_"), found[1]] : null;
}
