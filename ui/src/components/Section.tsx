import type { ReactNode } from "react";

/** A collapsible group (native details/summary: keyboard-usable as it is). */
export function Section({ title, open, children }: { title: string; open?: boolean; children: ReactNode }) {
  return (
    <details className="section" open={open}>
      <summary>{title}</summary>
      <div className="section-body">{children}</div>
    </details>
  );
}
