import { headline } from "../format";

/** The headline metric of a test run, by the same preference as validation's: its metrics are named
 * after its split (``test_acc`` on test, ``val_acc`` on val, ``train_acc`` on train). */
export function testHeadline(metrics: Record<string, unknown>, split: string | null): [string, unknown] | null {
  const prefix = `${split ?? "test"}_`;
  const asVal = Object.fromEntries(
    Object.entries(metrics).map(([k, v]) => [k.startsWith(prefix) ? `val_${k.slice(prefix.length)}` : k, v]),
  );
  const found = headline(asVal);
  return found ? [found[0].replace(/^val_/, prefix), found[1]] : null;
}
